"""Client of the engine (Rasa) over HTTP: send a person's message, get the replies back."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import text as sql

from bot.db import engine_for

logger = logging.getLogger(__name__)


class EngineUnavailable(Exception):
    """The engine (or the action server behind it) could not produce an answer."""


@dataclass
class Button:
    title: str
    payload: str


@dataclass
class BotMessage:
    text: str
    buttons: list[Button] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [b.__dict__ for b in self.buttons]}


@dataclass
class EngineReply:
    messages: list[BotMessage]
    # Set by the "delete my data" action: the gateway erases the conversation from the
    # engine's tracker store once the engine has saved this turn.
    erase_conversation: bool = False


def parse_reply(raw: Any) -> EngineReply:
    """Turn the REST channel's answer into messages; anything else is an engine fault."""
    if not isinstance(raw, list):
        raise EngineUnavailable("the engine answered something that is not a list of messages")
    reply = EngineReply(messages=[])
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("custom"), dict):
            reply.erase_conversation |= item["custom"].get("erase_conversation") is True
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        buttons = [
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict)
        ]
        reply.messages.append(BotMessage(text=item["text"], buttons=buttons))
    return reply


class EngineClient:
    """Talks to one engine; one instance per gateway process, sharing a connection pool."""

    def __init__(self, base_url: str, token: str, timeout: float):
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=2.0),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    async def send(self, conversation_id: str, text: str, lang: str | None) -> EngineReply:
        body: dict[str, Any] = {"sender": conversation_id, "message": text}
        if lang:
            body["metadata"] = {"lang": lang}
        try:
            response = await self._http.post("/webhooks/rest/webhook", json=body)
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"engine unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
        try:
            replies = parse_reply(response.json())
        except ValueError as exc:
            raise EngineUnavailable("engine answered with invalid JSON") from exc
        if not replies.messages:
            # Every turn of ours ends in an action that speaks: silence means the action
            # server failed behind the engine.
            raise EngineUnavailable("engine gave no reply (action server down?)")
        return replies

    async def is_up(self) -> bool:
        try:
            response = await self._http.get("/status", params={"token": self._token}, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        await self._http.aclose()


def erase_tracker(tracker_url: str, conversation_id: str) -> int:
    """Delete a conversation's events from the engine's SQL tracker store (its `events` table)."""
    with engine_for(tracker_url).begin() as connection:
        result = connection.execute(
            sql("DELETE FROM events WHERE sender_id = :conversation_id"),
            {"conversation_id": conversation_id},
        )
    return int(result.rowcount)
