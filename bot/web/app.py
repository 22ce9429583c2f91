"""The gateway: every channel's way in, and the only public entry point.

- `POST /api/messages` and `GET /api/conversations/{id}` for clients (and the widget's fallback),
- `/ws`, the web widget's websocket; `/widget.js` and the demo page at `/`,
- Telegram (polling, or its webhook route) when TELEGRAM_TOKEN is set,
- `/console`, the counsellors' console (bot/web/console.py),
- `GET /healthz` (can it serve) and `GET /livez` (does it answer) for operators.

All of them reach the engine through `bot.pipeline`; the engine and the action server stay on
loopback behind this app.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request, WebSocket
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from sqlalchemy import text as sql
from starlette.middleware.sessions import SessionMiddleware

from bot.channels.telegram import TelegramChannel
from bot.channels.validation import (
    MAX_BODY_BYTES,
    BadRequest,
    check_web_conversation,
    parse_json_object,
    parse_message_request,
    read_body,
)
from bot.channels.web import serve_chat
from bot.db import database_for
from bot.engine_client import EngineClient, EngineUnavailable
from bot.identity import WEB_PREFIX, holds, key_allowed, new_web_conversation
from bot.live import hub_for
from bot.office_hours import load_team_hours
from bot.pipeline import conversation_history, converse
from bot.rate_limits import RateLimits, client_address
from bot.relay import Relay
from bot.retention import purge_regularly
from bot.settings import Settings
from bot.web.console import install_console

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
# Telegram's updates are small; anything bigger is not from Telegram.
MAX_WEBHOOK_BYTES = 1_000_000
TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token"
DEMO_PAGE_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def create_app(settings: Settings) -> FastAPI:
    """The gateway app for `settings`; the engine client and Telegram live as long as the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = EngineClient(
            settings.effective_engine_urls, settings.engine_token, settings.engine_timeout_seconds
        )
        app.state.engine = engine
        app.state.telegram = None
        await relay.hub.start()
        watcher = asyncio.create_task(relay.watch_unclaimed())
        purger = asyncio.create_task(purge_regularly(settings))
        if settings.telegram_token:
            channel = TelegramChannel(settings, engine, relay, rate_limits)
            try:
                await channel.start()
            except Exception as exc:
                # The web channels go on; /healthz reports Telegram down.
                logger.error("Telegram could not start: %s", type(exc).__name__)
                with suppress(Exception):
                    await channel.stop()
            else:
                app.state.telegram = channel
                relay.add_pusher("telegram", channel.push)
                delivered = await relay.deliver_pending("telegram")
                if delivered:
                    logger.info("%d stored message(s) delivered on Telegram", delivered)
                mode = "webhook" if channel.uses_webhook else "long polling"
                logger.info("Telegram on (%s)", mode)
        else:
            logger.info("Telegram off: TELEGRAM_TOKEN is not set")
        yield
        watcher.cancel()
        purger.cancel()
        if app.state.telegram is not None:
            await app.state.telegram.stop()
        await engine.aclose()
        await relay.hub.stop()

    hours = load_team_hours(settings.office_hours_file)
    relay = Relay(settings, hub_for(settings.redis_url), hours)
    rate_limits = RateLimits(settings)
    # No API documentation pages unless asked for (API_DOCS=true): they map the attack surface.
    docs = settings.api_docs
    app = FastAPI(
        title="Brussels digital training guidance",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.relay = relay
    # The console's session: a signed cookie, HttpOnly, sent by the browser to this site only.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.console_session_secret(),
        session_cookie="console_session",
        max_age=12 * 3600,
        same_site="strict",
        https_only=settings.console_https,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.effective_allowed_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", CONVERSATION_TOKEN_HEADER],
    )

    @app.exception_handler(BadRequest)
    async def bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse({"error": exc.reason}, status_code=exc.status)

    @app.post("/api/messages")
    async def post_message(request: Request) -> JSONResponse:
        body = await read_body(
            request.stream(), request.headers.get("content-length"), MAX_BODY_BYTES
        )
        incoming = parse_message_request(body)
        keyed = check_speaker(
            incoming.sender, incoming.token, request.headers.get("authorization"), settings
        )
        # A keyed integration is a server speaking for many people: its conversations are
        # limited, not its address.
        client = (
            None
            if keyed
            else client_address(
                request.client.host if request.client else None,
                request.headers.getlist("x-forwarded-for"),
                settings,
            )
        )
        refusal = await rate_limits.check(client, incoming.sender)
        if refusal is not None:
            return JSONResponse(
                {"error": f"too many messages: wait {refusal.retry_after} s"},
                status_code=429,
                headers={"retry-after": str(refusal.retry_after)},
            )
        reply = await converse(
            request.app.state.engine,
            settings,
            incoming.sender,
            incoming.text,
            lang=incoming.lang,
            lang_hint=incoming.lang_hint,
            source=incoming.source,
            relay=relay,
        )
        return JSONResponse(
            {"messages": [m.as_dict() for m in reply.messages], "language": reply.language}
        )

    @app.post("/api/conversations", status_code=201)
    async def new_conversation() -> JSONResponse:
        """A new web conversation for a widget that cannot use its websocket: its id and the
        token that proves it is this browser's."""
        conversation_id, token = new_web_conversation(settings.conversation_key())
        return JSONResponse({"conversation_id": conversation_id, "token": token}, 201)

    @app.get("/api/conversations/{conversation_id}")
    async def get_conversation(conversation_id: str, request: Request) -> JSONResponse:
        """A web conversation so far, for the browser holding its token (a widget that cannot
        use its websocket)."""
        check_web_conversation(conversation_id)
        if not holds(
            settings.conversation_key(),
            conversation_id,
            request.headers.get(CONVERSATION_TOKEN_HEADER),
        ):
            raise BadRequest(403, "this conversation's token is missing or wrong")
        try:
            history = await conversation_history(request.app.state.engine, relay, conversation_id)
        except EngineUnavailable:
            return JSONResponse({"error": "the assistant is unavailable, try again"}, 503)
        return JSONResponse(
            {
                "conversation_id": conversation_id,
                "language": history.language,
                "messages": [entry.as_dict() for entry in history.entries],
            }
        )

    @app.websocket("/ws")
    async def chat_socket(websocket: WebSocket) -> None:
        await serve_chat(websocket, websocket.app.state.engine, settings, relay, rate_limits)

    @app.get("/widget.js")
    async def widget() -> FileResponse:
        return FileResponse(
            STATIC / "widget.js",
            media_type="text/javascript; charset=utf-8",
            headers={"cache-control": "public, max-age=300"},
        )

    @app.get("/", response_class=HTMLResponse)
    async def demo_page() -> FileResponse:
        return FileResponse(STATIC / "demo.html", media_type="text/html; charset=utf-8")

    install_console(app, settings, relay)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("referrer-policy", "strict-origin-when-cross-origin")
        if request.url.path == "/":
            # The demo page: its own script and the widget's (styles in its shadow root).
            response.headers.setdefault("content-security-policy", DEMO_PAGE_POLICY)
        return response

    if settings.telegram_token and settings.telegram_webhook_url:
        webhook_path = TelegramChannel.webhook_path_of(settings)

        @app.post(webhook_path, include_in_schema=False)
        async def telegram_webhook(request: Request) -> JSONResponse:
            # Refused before anything is read: only Telegram knows the secret of this start.
            channel: TelegramChannel | None = request.app.state.telegram
            given = request.headers.get(TELEGRAM_SECRET_HEADER, "")
            if channel is None or not secrets.compare_digest(
                given.encode(), channel.webhook_secret.encode()
            ):
                return JSONResponse({"error": "forbidden"}, status_code=403)
            body = await read_body(
                request.stream(), request.headers.get("content-length"), MAX_WEBHOOK_BYTES
            )
            data = parse_json_object(body, MAX_WEBHOOK_BYTES)
            if not await channel.feed_webhook(data):
                raise BadRequest(422, "the body is not a Telegram update")
            return JSONResponse({"ok": True})

    @app.get("/livez")
    async def livez() -> JSONResponse:
        """This process answers (liveness): nothing else is checked, so a load balancer or an
        orchestrator does not restart every gateway when the engine is down."""
        return JSONResponse({"status": "ok"})

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        """Can this gateway serve (readiness): at least one engine replica and one action
        server answer, and the database does."""
        engines, action_servers, database_ok, redis_ok = await asyncio.gather(
            request.app.state.engine.replicas_up(),
            _each_up(settings.effective_action_server_urls, _action_server_up),
            asyncio.to_thread(_database_up, settings.database_url),
            relay.hub.is_up(),
        )
        engine_ok, actions_ok = any(engines.values()), any(action_servers.values())
        state: dict[str, Any] = {
            "engine": "ok" if engine_ok else "down",
            "action_server": "ok" if actions_ok else "down",
            "database": "ok" if database_ok else "down",
        }
        if len(engines) > 1:
            state["engines"] = _words(engines)
        if len(action_servers) > 1:
            state["action_servers"] = _words(action_servers)
        if settings.redis_url:
            # Reported, not required: without Redis a gateway still answers; only live
            # updates from other gateways wait for it.
            state["redis"] = "ok" if redis_ok else "down"
        healthy = engine_ok and actions_ok and database_ok
        if settings.telegram_token:
            telegram_ok = request.app.state.telegram is not None
            state["telegram"] = "ok" if telegram_ok else "down"
            healthy = healthy and telegram_ok
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", **state},
            status_code=200 if healthy else 503,
        )

    return app


def _words(up: dict[str, bool]) -> dict[str, str]:
    return {url: "ok" if ok else "down" for url, ok in up.items()}


async def _each_up(urls: tuple[str, ...], check: Any) -> dict[str, bool]:
    answers = await asyncio.gather(*(check(url) for url in urls))
    return dict(zip(urls, answers, strict=True))


async def _action_server_up(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.get(f"{url}/health")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


CONVERSATION_TOKEN_HEADER = "x-conversation-token"


def check_speaker(
    conversation_id: str, token: str | None, authorization: str | None, settings: Settings
) -> bool:
    """A web conversation is spoken in with its token; any other id needs an API key. Says
    whether the caller showed a key."""
    if conversation_id.startswith(WEB_PREFIX):
        if not holds(settings.conversation_key(), conversation_id, token):
            raise BadRequest(403, "this conversation's token is missing or wrong")
        return key_allowed(settings.effective_api_keys(), authorization)
    if not key_allowed(settings.effective_api_keys(), authorization):
        raise BadRequest(
            401,
            "conversations of your own need an API key (Authorization: Bearer …); "
            "or start one with POST /api/conversations",
        )
    return True


def _database_up(url: str) -> bool:
    try:
        with database_for(url).connect() as connection:
            connection.execute(sql("SELECT 1"))
    except Exception:
        logger.warning("health check: database unreachable")
        return False
    return True
