"""The web widget's websocket: one connection per open widget, JSON frames both ways.

From the page, first  {"type": "hello", "conversation_id": "web-…", "token": "…", "lang": "fr",
                       "source": …}   (id and token: the conversation to go on with, as the
                      server issued them; without them the server issues a new one; source:
                      optional, e.g. a counsellor's referral `ref-<code>`)
then                  {"type": "message", "text": "…"}  (a button sends its payload as text)
To the page           {"type": "history", "conversation_id": …, "token": …, "language": …,
                       "messages": […]}   (the token only when the conversation is new)
                      {"type": "error", "reason": …, "code": "unknown_conversation"} (a hello
                      with an id and no valid token: start a new conversation)
                      {"type": "typing"}, then {"type": "reply", "language": …, "messages": […]}
                      {"type": "reply", …} at any time too: a counsellor's message, pushed
                      {"type": "error", "reason": "…"}  (a frame it could not use; stays open)

A page from an origin that is not allowed is refused at the handshake (HTTP 403); a connection
that sends too much, too fast or too big is closed with code 1008 or 1009 and a reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from bot.channels.validation import (
    MAX_FRAME_BYTES,
    BadRequest,
    check_language,
    check_source,
    check_text,
    check_web_conversation,
    parse_json_object,
)
from bot.engine_client import EngineClient, EngineUnavailable
from bot.errors import describe_error
from bot.identity import holds, new_web_conversation
from bot.live import Subscription, conversation_topic
from bot.pipeline import conversation_history, conversation_tag, converse
from bot.rate_limits import RateLimits, client_address
from bot.relay import Relay
from bot.settings import Settings

logger = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011
# A person types a message every few seconds; a burst of 10, then one every 2 seconds, leaves
# room for quick replies and stops a script from flooding the engine.
BURST = 10
REFILL_PER_SECOND = 0.5


class TokenBucket:
    """Allows `capacity` events at once and `rate` per second after that."""

    def __init__(self, capacity: float, rate: float, clock: Any = time.monotonic):
        self.capacity, self.rate, self._clock = capacity, rate, clock
        self.tokens, self._last = capacity, clock()

    def take(self) -> bool:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
        self._last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


async def serve_chat(
    websocket: WebSocket,
    engine: EngineClient,
    settings: Settings,
    relay: Relay,
    rate_limits: RateLimits,
) -> None:
    """Serve one widget until it goes away or misbehaves."""
    if websocket.headers.get("origin") not in settings.effective_allowed_origins:
        # Closing before accepting refuses the handshake: the browser sees HTTP 403.
        await websocket.close(code=POLICY_VIOLATION)
        return
    await websocket.accept()
    bucket = TokenBucket(BURST, REFILL_PER_SECOND)
    client = client_address(
        websocket.client.host if websocket.client else None,
        websocket.headers.getlist("x-forwarded-for"),
        settings,
    )
    conversation_id: str | None = None
    lang_hint: str | None = None
    source: str | None = None
    pushed: asyncio.Task[None] | None = None
    subscription: Subscription | None = None
    try:
        while True:
            frame = await websocket.receive()
            if frame["type"] == "websocket.disconnect":
                return
            raw = frame.get("text")
            if raw is None:
                await _close(websocket, POLICY_VIOLATION, "send text frames of JSON")
                return
            if len(raw.encode()) > MAX_FRAME_BYTES:
                await _close(
                    websocket, MESSAGE_TOO_BIG, f"frames are {MAX_FRAME_BYTES} bytes at most"
                )
                return
            if not bucket.take():
                await _close(websocket, POLICY_VIOLATION, "too many messages: slow down")
                return
            try:
                data = parse_json_object(raw, MAX_FRAME_BYTES)
                kind = data.get("type")
                if kind == "hello":
                    lang_hint = check_language(data.get("lang"), "lang")
                    source = check_source(data.get("source"))
                    conversation_id, new_token = _conversation_of(data, settings)
                    _stop_forwarding(pushed, subscription)
                    # Subscribed before the history is read: nothing said meanwhile is missed.
                    subscription = relay.hub.subscribe(conversation_topic(conversation_id))
                    pushed = asyncio.create_task(_forward_pushed(websocket, subscription))
                    await subscription.ready()
                    await _send_history(websocket, engine, relay, conversation_id, new_token)
                elif kind == "message":
                    if conversation_id is None:
                        raise BadRequest(409, "send a hello frame first")
                    message = check_text(data.get("text"))
                    refusal = await rate_limits.check(client, conversation_id)
                    if refusal is not None:
                        # Counted per address and conversation, across sockets and channels:
                        # a new socket does not start afresh.
                        await websocket.send_json(
                            {
                                "type": "error",
                                "reason": f"too many messages: wait {refusal.retry_after} s",
                                "retry_after": refusal.retry_after,
                            }
                        )
                        continue
                    await websocket.send_json({"type": "typing"})
                    reply = await converse(
                        engine,
                        settings,
                        conversation_id,
                        message,
                        lang_hint=lang_hint,
                        source=source,
                        relay=relay,
                    )
                    await websocket.send_json(
                        {
                            "type": "reply",
                            "language": reply.language,
                            "messages": [m.as_dict() for m in reply.messages],
                        }
                    )
                else:
                    raise BadRequest(422, "'type' must be hello or message")
            except UnknownConversation as exc:
                conversation_id = None
                _stop_forwarding(pushed, subscription)
                await websocket.send_json(
                    {"type": "error", "reason": exc.reason, "code": "unknown_conversation"}
                )
            except BadRequest as exc:
                await websocket.send_json({"type": "error", "reason": exc.reason})
    except WebSocketDisconnect:
        return
    except Exception as exc:
        # Never a stack trace to the page, nor the frame (what the person wrote) to the logs.
        logger.error("websocket failed: %s", describe_error(exc))
        await _close(websocket, INTERNAL_ERROR, "the assistant had a problem, reconnect")
    finally:
        _stop_forwarding(pushed, subscription)


def _stop_forwarding(task: asyncio.Task[None] | None, subscription: Subscription | None) -> None:
    if task is not None:
        task.cancel()
    if subscription is not None:
        subscription.close()  # the task may be cancelled before it ever ran


async def _forward_pushed(websocket: WebSocket, subscription: Subscription) -> None:
    """Send the page what is pushed to its conversation (a counsellor's messages)."""
    with subscription:
        while True:
            event = await subscription.get()
            try:
                await websocket.send_json(event)
            except (RuntimeError, WebSocketDisconnect):
                return  # the page went away; the message stays in the history


def _conversation_of(hello: dict[str, Any], settings: Settings) -> tuple[str, str | None]:
    """The conversation a hello goes on with (and no new token), or a new one with its token."""
    asked = hello.get("conversation_id")
    if asked is None:
        return new_web_conversation(settings.conversation_key())
    conversation_id = check_web_conversation(asked)
    if not holds(settings.conversation_key(), conversation_id, hello.get("token")):
        raise UnknownConversation
    return conversation_id, None


class UnknownConversation(BadRequest):
    """A hello for a conversation without its token: another browser's, or an old id."""

    def __init__(self) -> None:
        super().__init__(403, "this conversation's token is missing or wrong: start a new one")


async def _send_history(
    websocket: WebSocket,
    engine: EngineClient,
    relay: Relay,
    conversation_id: str,
    new_token: str | None,
) -> None:
    frame: dict[str, Any] = {"type": "history", "conversation_id": conversation_id}
    if new_token is not None:
        # A new conversation: nothing to read back, and the token the page must keep.
        await websocket.send_json({**frame, "token": new_token, "language": None, "messages": []})
        return
    try:
        history = await conversation_history(engine, relay, conversation_id)
        messages, language = [e.as_dict() for e in history.entries], history.language
    except EngineUnavailable as exc:
        # The conversation is still there; the page shows what it has and can go on.
        logger.warning("history of %s: %s", conversation_tag(conversation_id), exc)
        messages, language = [], None
    await websocket.send_json({**frame, "language": language, "messages": messages})


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    logger.info("websocket closed: %s", reason)
    if websocket.application_state != WebSocketState.DISCONNECTED:
        with suppress(RuntimeError):  # the page went away meanwhile
            await websocket.close(code=code, reason=reason)
