"""Client of the engine (Rasa) over HTTP: send a person's message, get the replies back."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from bot import LANGUAGES
from bot.handoff import Reason

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
class HandoffRequest:
    """The engine's request to hand the conversation to a counsellor."""

    reason: Reason
    course: str | None = None
    source: str | None = None


@dataclass
class EngineReply:
    messages: list[BotMessage]
    # Set by the "delete my data" action: the gateway erases the conversation from the
    # engine's tracker store once the engine has saved this turn.
    erase_conversation: bool = False
    # Other conversations of the same person to erase with it (named by reference and contact).
    also_erase: list[str] = field(default_factory=list)
    # The conversation's language after this turn, as the actions decided it.
    language: str | None = None
    # Set by the "talk to a counsellor" action: the gateway opens a handoff.
    handoff: HandoffRequest | None = None


@dataclass
class HistoryEntry:
    """One message of a conversation as a person saw it: theirs or the assistant's."""

    sender: str  # "user", "bot" or "counsellor"
    text: str
    buttons: list[Button] = field(default_factory=list)
    # When it was said (to merge the engine's messages with a counsellor's).
    at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.sender,
            "text": self.text,
            "buttons": [b.__dict__ for b in self.buttons],
        }


_BEFORE_ALL = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def in_time_order(*groups: list[HistoryEntry]) -> list[HistoryEntry]:
    """Messages from several sources (the engine's, a handoff's) in the order they were said;
    a stable sort, so each source keeps its own order."""
    return sorted([entry for group in groups for entry in group], key=lambda e: e.at or _BEFORE_ALL)


@dataclass
class History:
    entries: list[HistoryEntry]
    language: str | None
    # The engine's slots (for the counsellor's view of the conversation).
    slots: dict[str, Any] = field(default_factory=dict)


def _buttons(raw: Any) -> list[Button]:
    return [
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in raw or []
        if isinstance(b, dict)
    ]


def _handoff_request(raw: Any) -> HandoffRequest | None:
    if not isinstance(raw, dict):
        return None
    try:
        reason = Reason(raw.get("reason"))
    except ValueError:
        reason = Reason.ASKED
    course, source = raw.get("course"), raw.get("source")
    return HandoffRequest(
        reason,
        course if isinstance(course, str) else None,
        source if isinstance(source, str) else None,
    )


def parse_reply(raw: Any) -> EngineReply:
    """Turn the REST channel's answer into messages; anything else is an engine fault."""
    if not isinstance(raw, list):
        raise EngineUnavailable("the engine answered something that is not a list of messages")
    reply = EngineReply(messages=[])
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("custom"), dict):
            custom = item["custom"]
            reply.erase_conversation |= custom.get("erase_conversation") is True
            others = custom.get("conversations")
            if isinstance(others, list):
                reply.also_erase += [c for c in others if isinstance(c, str) and 0 < len(c) <= 128]
            if custom.get("language") in LANGUAGES:
                reply.language = custom["language"]
            reply.handoff = reply.handoff or _handoff_request(custom.get("handoff"))
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        reply.messages.append(BotMessage(text=item["text"], buttons=_buttons(item.get("buttons"))))
    return reply


def _moment(event: dict[str, Any]) -> dt.datetime | None:
    stamp = event.get("timestamp")
    if isinstance(stamp, (int, float)):
        return dt.datetime.fromtimestamp(stamp, dt.timezone.utc)
    return None


def parse_history(tracker: Any) -> History:
    """The messages of a conversation from the engine's tracker, as the person saw them.

    A button press reaches the engine as its payload (`/choose_session{...}`): it is shown as
    the button's title, as the person read it; other payloads (a channel's `/greet`) are not
    something the person typed and are left out.
    """
    if not isinstance(tracker, dict):
        raise EngineUnavailable("the engine answered something that is not a tracker")
    entries: list[HistoryEntry] = []
    last_buttons: list[Button] = []
    for event in tracker.get("events") or []:
        if not isinstance(event, dict):
            continue
        message = event.get("text")
        if event.get("event") == "user" and isinstance(message, str):
            if message.startswith("/"):
                titles = [b.title for b in last_buttons if b.payload == message]
                if not titles:
                    continue
                message = titles[0]
            entries.append(HistoryEntry("user", message, at=_moment(event)))
        elif event.get("event") == "bot" and isinstance(message, str):
            data = event.get("data")
            last_buttons = _buttons(data.get("buttons") if isinstance(data, dict) else None)
            entries.append(HistoryEntry("bot", message, last_buttons, _moment(event)))
    slots = tracker.get("slots")
    if not isinstance(slots, dict):
        slots = {}
    language = slots.get("language")
    return History(entries, language if language in LANGUAGES else None, slots)


class EngineClient:
    """Talks to one engine; one instance per gateway process, sharing a connection pool."""

    def __init__(self, base_url: str, token: str, timeout: float):
        self._token = token
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=2.0),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    async def send(
        self, conversation_id: str, text: str, metadata: dict[str, str] | None = None
    ) -> EngineReply:
        """Send one message; `metadata` carries `lang`, `lang_hint` and `source` to the actions."""
        body: dict[str, Any] = {"sender": conversation_id, "message": text}
        if metadata:
            body["metadata"] = metadata
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
        if not replies.messages and replies.handoff is None:
            # Every turn of ours ends in an action that speaks: silence means the action
            # server failed behind the engine.
            raise EngineUnavailable("engine gave no reply (action server down?)")
        return replies

    async def history(self, conversation_id: str) -> History:
        """The conversation so far, from the engine's tracker store (empty for a new one)."""
        try:
            response = await self._http.get(
                f"/conversations/{quote(conversation_id, safe='')}/tracker",
                params={"token": self._token, "include_events": "ALL"},
            )
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"engine unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
        try:
            return parse_history(response.json())
        except ValueError as exc:
            raise EngineUnavailable("engine answered with invalid JSON") from exc

    async def is_up(self) -> bool:
        try:
            response = await self._http.get("/status", params={"token": self._token}, timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        await self._http.aclose()
