"""Client of the engine (Rasa) over HTTP: send a person's message, get the replies back; with
several engine replicas, each conversation goes to its own and fails over to the next."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
import weakref
from collections.abc import Sequence
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


# Failures after which the request surely did not change the conversation on that replica
# (nothing listened, or the connection dropped with the process): the next replica may take it.
_REPLICA_GONE = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
# A replica that failed is tried last for this long, so one conversation after another does not
# wait for it to refuse.
DOWN_SECONDS = 5.0


def replica_order(conversation_id: str, urls: Sequence[str]) -> list[str]:
    """The replicas in the order to try them for this conversation: highest random weight
    (rendezvous hashing). Each conversation has its own first choice, always the same, and
    removing a replica moves only the conversations it served."""

    def weight(url: str) -> bytes:
        return hashlib.blake2b(f"{url}\n{conversation_id}".encode(), digest_size=8).digest()

    return sorted(urls, key=weight, reverse=True)


class EngineClient:
    """Talks to the engine replicas; one instance per gateway process.

    Each conversation goes to its own replica (`replica_order`), so Rasa's lock on it is rarely
    contended and that replica's caches stay warm; when that replica does not answer, the next
    one takes the turn (the tracker store and the lock store are shared). Turns of one
    conversation leave this gateway one at a time, in the order they came.
    """

    def __init__(self, base_urls: Sequence[str] | str, token: str, timeout: float):
        self._token = token
        self._urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not self._urls:
            raise ValueError("at least one engine URL is needed")
        self._http = {
            url: httpx.AsyncClient(
                base_url=url,
                timeout=httpx.Timeout(timeout, connect=2.0),
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            )
            for url in self._urls
        }
        self._down_until: dict[str, float] = {}
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @property
    def urls(self) -> list[str]:
        return list(self._urls)

    def turn_of(self, conversation_id: str) -> asyncio.Lock:
        """The lock a turn of this conversation holds from the message to the reply."""
        lock = self._turns.get(conversation_id)
        if lock is None:
            lock = self._turns[conversation_id] = asyncio.Lock()
        return lock

    def _candidates(self, conversation_id: str) -> list[str]:
        now = time.monotonic()
        ordered = replica_order(conversation_id, self._urls)
        # Stable sort: replicas believed down go last, each group in its own order.
        return sorted(ordered, key=lambda url: self._down_until.get(url, 0.0) > now)

    async def _request(
        self, conversation_id: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        """The first answer of the conversation's replicas, in their order."""
        failure = "no engine replica"
        for url in self._candidates(conversation_id):
            try:
                response = await self._http[url].request(method, path, **kwargs)
            except _REPLICA_GONE as exc:
                self._down_until[url] = time.monotonic() + DOWN_SECONDS
                failure = f"engine unreachable: {type(exc).__name__}"
                logger.warning("engine replica %s: %s, trying the next", url, type(exc).__name__)
                continue
            except httpx.HTTPError as exc:
                # A timeout: the replica may still be working on this turn; another must not
                # start it a second time.
                raise EngineUnavailable(f"engine unreachable: {type(exc).__name__}") from exc
            if response.status_code == 503 and len(self._urls) > 1:
                # Rasa says 503 while its model is still loading.
                self._down_until[url] = time.monotonic() + DOWN_SECONDS
                failure = "engine answered HTTP 503"
                continue
            self._down_until.pop(url, None)
            return response
        raise EngineUnavailable(failure)

    async def send(
        self, conversation_id: str, text: str, metadata: dict[str, str] | None = None
    ) -> EngineReply:
        """Send one message; `metadata` carries `lang`, `lang_hint` and `source` to the actions."""
        body: dict[str, Any] = {"sender": conversation_id, "message": text}
        if metadata:
            body["metadata"] = metadata
        response = await self._request(conversation_id, "POST", "/webhooks/rest/webhook", json=body)
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
        response = await self._request(
            conversation_id,
            "GET",
            f"/conversations/{quote(conversation_id, safe='')}/tracker",
            params={"token": self._token, "include_events": "ALL"},
        )
        if response.status_code != 200:
            raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
        try:
            return parse_history(response.json())
        except ValueError as exc:
            raise EngineUnavailable("engine answered with invalid JSON") from exc

    async def replicas_up(self) -> dict[str, bool]:
        """Each replica: does it answer now?"""
        answers = await asyncio.gather(*(self._replica_up(url) for url in self._urls))
        return dict(zip(self._urls, answers, strict=True))

    async def _replica_up(self, url: str) -> bool:
        try:
            response = await self._http[url].get(
                "/status", params={"token": self._token}, timeout=2.0
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._http.values()))
