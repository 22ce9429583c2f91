"""The gateway: `POST /api/messages` for every client, `GET /healthz` for operators.

Requests are checked by hand so a client always gets a 4xx with a reason it can read, never a
stack trace; the engine and the action server stay on loopback behind this app.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text as sql

from bot import LANGUAGES
from bot.db import engine_for
from bot.engine import EngineClient
from bot.pipeline import converse
from bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 32_000
MAX_TEXT_CHARS = 4_000
SENDER = re.compile(r"^[A-Za-z0-9_.:@-]{1,128}$")


class BadRequest(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_message_request(body: bytes) -> tuple[str, str, str | None]:
    """Check a `POST /api/messages` body; return sender, text and lang or raise BadRequest."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(400, "the request body is not valid UTF-8") from None
    try:
        data: Any = json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise BadRequest(400, f"the request body is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise BadRequest(422, "the request body must be a JSON object")
    sender, message, lang = data.get("sender"), data.get("text"), data.get("lang")
    if sender is None:
        raise BadRequest(422, "'sender' is missing")
    if not isinstance(sender, str) or not SENDER.match(sender):
        raise BadRequest(422, "'sender' must be 1-128 letters, digits or _ . : @ -")
    if message is None:
        raise BadRequest(422, "'text' is missing")
    if not isinstance(message, str):
        raise BadRequest(422, "'text' must be a string")
    if not message.strip():
        raise BadRequest(422, "'text' is empty")
    if len(message) > MAX_TEXT_CHARS:
        raise BadRequest(413, f"'text' is longer than {MAX_TEXT_CHARS} characters")
    if lang is not None and lang not in LANGUAGES:
        raise BadRequest(422, f"'lang' must be one of {', '.join(LANGUAGES)}")
    return sender, message.strip(), lang


def create_app(settings: Settings) -> FastAPI:
    """The gateway app for `settings`; the engine client lives as long as the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = EngineClient(
            settings.engine_url, settings.engine_token, settings.engine_timeout_seconds
        )
        yield
        await app.state.engine.aclose()

    app = FastAPI(title="Brussels digital training guidance", lifespan=lifespan, docs_url=None)

    @app.exception_handler(BadRequest)
    async def bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        return JSONResponse({"error": exc.reason}, status_code=exc.status)

    @app.post("/api/messages")
    async def post_message(request: Request) -> JSONResponse:
        sender, message, lang = parse_message_request(await request.body())
        replies = await converse(request.app.state.engine, settings, sender, message, lang)
        return JSONResponse({"messages": [m.as_dict() for m in replies]})

    @app.get("/healthz")
    async def healthz(request: Request) -> JSONResponse:
        engine_ok, actions_ok, database_ok = await asyncio.gather(
            request.app.state.engine.is_up(),
            _action_server_up(settings.action_server_url),
            asyncio.to_thread(_database_up, settings.database_url),
        )
        state = {
            "engine": "ok" if engine_ok else "down",
            "action_server": "ok" if actions_ok else "down",
            "database": "ok" if database_ok else "down",
        }
        healthy = engine_ok and actions_ok and database_ok
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", **state},
            status_code=200 if healthy else 503,
        )

    @app.get("/", response_class=HTMLResponse)
    async def home() -> str:
        return (
            "<!doctype html><meta charset=utf-8><title>Guidance assistant</title>"
            "<h1>Guidance assistant</h1><p>POST /api/messages with "
            '{"sender": "...", "text": "...", "lang": "fr|nl|en"}; GET /healthz.</p>'
        )

    return app


async def _action_server_up(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.get(f"{url}/health")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _database_up(url: str) -> bool:
    try:
        with engine_for(url).connect() as connection:
            connection.execute(sql("SELECT 1"))
    except Exception:
        logger.warning("health check: database unreachable")
        return False
    return True
