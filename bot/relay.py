"""Between people and counsellors, inside the gateway: opens a handoff when the engine asks for
one, keeps a person's messages away from the engine while a counsellor owns the conversation,
and delivers what the counsellor writes on the person's own channel.

Every message is stored (`handoff_messages`) before it is delivered; the database calls run in
worker threads so the event loop keeps serving other conversations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot import handoff
from bot.db import as_utc, database_for, db_sessions, write_transaction
from bot.db.models import Counsellor, Handoff, HandoffMessage
from bot.engine_client import BotMessage, Button, HandoffRequest, HistoryEntry
from bot.i18n import format_moment, text
from bot.live import CONSOLE, Hub, conversation_topic
from bot.office_hours import TeamHours
from bot.reading import plain
from bot.settings import Settings

logger = logging.getLogger(__name__)

BACK_TO_ASSISTANT = "/back_to_assistant"
# A message that only says "stop waiting": any longer message is for the counsellor.
_BACK = re.compile(
    r"(?:cancel|annul\w*|stop\w*|arrete|laisse tomber|laat maar|"
    r"(?:back|go back|retour|revenir|terug)\s+(?:to|a|à|naar)?\s*(?:the|l'?|de|het)?\s*"
    r"(?:assistant|assistent|bot|robot|chatbot))\W*",
)

# Delivers messages to a person on one channel: (conversation id, messages) → delivered?
Pusher = Callable[[str, list[BotMessage]], Awaitable[bool]]


@dataclass(frozen=True)
class Stored:
    """A message of a handoff to deliver, with where to."""

    conversation_id: str
    channel: str
    language: str
    author: str
    text: str


@dataclass
class Intercepted:
    """What the gateway answers a message that went to a counsellor instead of the engine;
    `forward`: a message to send the engine instead of the person's."""

    messages: list[BotMessage]
    language: str
    forward: str | None = None


def wants_the_assistant_back(message: str) -> bool:
    return message.strip() == BACK_TO_ASSISTANT or bool(_BACK.fullmatch(plain(message)))


def console_event(current: Handoff, kind: str) -> dict[str, Any]:
    """What the consoles are told: which handoff of which team changed, nothing personal."""
    return {"kind": kind, "handoff": current.id, "team": current.team}


def minutes(delta: dt.timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


class RelayUnavailable(Exception):
    """The handoffs' tables could not be read or written."""


class Relay:
    """One per gateway process; channels register how to push to their people."""

    def __init__(
        self,
        settings: Settings,
        hub: Hub,
        team_hours: TeamHours,
        clock: Callable[[], dt.datetime] = handoff.utc_now,
    ):
        self.settings = settings
        self.hub = hub
        self.team_hours = team_hours
        self._clock = clock
        self._pushers: dict[str, Pusher] = {}

    def add_pusher(self, channel: str, pusher: Pusher) -> None:
        self._pushers[channel] = pusher

    def _transaction(self) -> Any:
        return write_transaction(database_for(self.settings.database_url))

    async def _run(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run `work` in a worker thread, then publish the console events it collected: the
        hub's queues belong to the event loop."""
        events: list[dict[str, Any]] = []
        try:
            result = await asyncio.to_thread(work, events, *args)
        except SQLAlchemyError as exc:
            # The statement's values could be what the person wrote: the kind of error only.
            logger.error("handoff database error: %s", type(exc).__name__)
            raise RelayUnavailable from None
        for event in events:
            await self.hub.publish(CONSOLE, event)
            if event["kind"] == "opened":
                await self._notify_team(event)
        return result

    async def _notify_team(self, event: dict[str, Any]) -> None:
        """Tell the team's Telegram group (COUNSELLOR_TELEGRAM_CHAT) that someone waits: the
        handoff's number, team, language and reason, nothing about the person."""
        chat = self.settings.counsellor_chat_of(str(event["team"]))
        push = self._pushers.get("telegram")
        if chat is None or push is None:
            return
        notice = text(
            "counsellor_notification",
            self.settings.default_language,
            id=event["handoff"],
            team=event["team"],
            language=str(event.get("language", "")).upper(),
            reason=text(
                f"console_reason_{event.get('reason', 'asked')}", self.settings.default_language
            ),
        )
        try:
            await push(f"telegram-{chat}", [BotMessage(notice)])
        except Exception as exc:
            logger.warning("team notification failed: %s", type(exc).__name__)

    # ------------------------------------------------------------------ the person writes

    async def intercept(self, conversation_id: str, message: str) -> Intercepted | None:
        """The answer to a message a handoff owns, or None when the engine should answer (also
        when the handoffs cannot be read: the assistant keeps answering)."""
        try:
            return await self._run(self._intercept, conversation_id, message)
        except RelayUnavailable:
            return None

    def _intercept(
        self, events: list[dict[str, Any]], conversation_id: str, message: str
    ) -> Intercepted | None:
        pressed_back = message.strip() == BACK_TO_ASSISTANT
        # Most messages belong to no handoff: a plain read answers that without the write
        # lock (SQLite has one for the whole database).
        with db_sessions(self.settings.database_url)() as db:
            if handoff.current_handoff(db, conversation_id) is None:
                # An old "back to the assistant" button: the assistant is already there.
                return Intercepted([], "", forward="/ask_help") if pressed_back else None
        with self._transaction() as db:
            current = handoff.current_handoff(db, conversation_id)
            if current is None:
                return Intercepted([], "", forward="/ask_help") if pressed_back else None
            lang = current.language
            in_callback = current.state == handoff.State.CALLBACK.value
            # In a callback the assistant is answering: "stop" or "annuler" is for it (a form
            # to leave), only the button or "back to the assistant" ends the callback.
            if pressed_back or (not in_callback and wants_the_assistant_back(message)):
                handoff.cancel_by_person(db, current)
                events.append(console_event(current, "closed"))
                return Intercepted([BotMessage(text("handoff_cancelled", lang))], lang)
            if in_callback:
                contact = handoff.take_callback_contact(db, current, message)
                if contact is None:
                    return None  # the assistant answers meanwhile
                handoff.add_message(db, current, "person", message)
                events.append(console_event(current, "message"))
                when = f" ({current.callback_when})" if current.callback_when else ""
                return Intercepted(
                    [
                        self._notice(
                            db, current, "handoff_callback_noted", contact=contact, when=when
                        )
                    ],
                    lang,
                )
            handoff.add_message(db, current, "person", message)
            events.append(console_event(current, "message"))
            if current.state == handoff.State.WAITING.value:
                position = handoff.queue_position(db, current)
                return Intercepted(
                    [self._notice(db, current, "handoff_kept", position=position)], lang
                )
            return Intercepted([], lang)

    # ------------------------------------------------------------------ the engine asks for one

    async def open(
        self,
        conversation_id: str,
        request: HandoffRequest,
        language: str,
        source: str | None = None,
    ) -> list[BotMessage]:
        """Open (or find) the conversation's handoff and say what happens next."""
        try:
            return await self._run(self._open, conversation_id, request, language, source)
        except RelayUnavailable:
            return [BotMessage(text("unavailable", language))]

    def _open(
        self,
        events: list[dict[str, Any]],
        conversation_id: str,
        request: HandoffRequest,
        lang: str,
        source: str | None,
    ) -> list[BotMessage]:
        at = self._clock()
        with self._transaction() as db:
            team = handoff.team_for_course(db, request.course)
            hours = self.team_hours.of(team)
            opened, created = handoff.open_handoff(
                db,
                conversation_id=conversation_id,
                language=lang,
                reason=request.reason,
                team=team,
                course_key=request.course,
                source=source or request.source,
                callback=not hours.is_open(at),
                at=at,
            )
            if created:
                events.append(
                    {**console_event(opened, "opened"), "reason": opened.reason, "language": lang}
                )
            if opened.state == handoff.State.CALLBACK.value:
                when = hours.next_opening(at)
                notice = (
                    self._notice(db, opened, "handoff_callback_later")
                    if when is None
                    else self._notice(
                        db, opened, "handoff_callback", when=format_moment(when, lang)
                    )
                )
                opened.asked_contact = True
                return [notice, self._notice(db, opened, "handoff_callback_contact")]
            if opened.state == handoff.State.COUNSELLOR.value:
                return [self._notice(db, opened, "handoff_claimed")]
            position = handoff.queue_position(db, opened)
            wait = handoff.expected_wait(db, opened.team, position)
            return [
                self._notice(
                    db,
                    opened,
                    "handoff_waiting",
                    buttons=[Button(text("button_back_to_assistant", lang), BACK_TO_ASSISTANT)],
                    position=position,
                    minutes=minutes(wait),
                )
            ]

    def _notice(
        self,
        db: Any,
        current: Handoff,
        key: str,
        buttons: list[Button] | None = None,
        **values: object,
    ) -> BotMessage:
        """The assistant's notice about the handoff, kept in its transcript."""
        message = text(key, current.language, **values)
        handoff.add_message(db, current, "assistant", message, delivered=True)
        return BotMessage(message, buttons or [])

    # ------------------------------------------------------------------ the counsellor acts

    async def deliver(self, handoff_id: int, message_id: int) -> bool:
        """Push a stored message to the person's channel; says whether it reached them."""
        loaded = await asyncio.to_thread(self._load_message, handoff_id, message_id)
        if loaded is None:
            return False
        delivered = await self._push(loaded)
        if delivered:
            await asyncio.to_thread(self._mark_delivered, message_id)
        return delivered

    def _load_message(self, handoff_id: int, message_id: int) -> Stored | None:
        with self._transaction() as db:
            stored = db.get(HandoffMessage, message_id)
            if stored is None or stored.handoff_id != handoff_id or stored.author == "note":
                return None
            owner = stored.handoff
            return Stored(
                owner.conversation_id, owner.channel, owner.language, stored.author, stored.text
            )

    def _mark_delivered(self, message_id: int) -> None:
        with self._transaction() as db:
            handoff.mark_delivered(db, message_id)

    async def notify(
        self, conversation_id: str, language: str, team: str, message: str, counsellor_id: int
    ) -> bool:
        """Store a counsellor's message outside a live handoff, then deliver it."""

        def store() -> tuple[int, int]:
            with self._transaction() as db:
                counsellor = db.get(Counsellor, counsellor_id)
                assert counsellor is not None
                stored = handoff.record_notice(
                    db,
                    conversation_id=conversation_id,
                    language=language,
                    team=team,
                    text=message,
                    counsellor=counsellor,
                )
                return stored.handoff_id, stored.id

        handoff_id, message_id = await asyncio.to_thread(store)
        return await self.deliver(handoff_id, message_id)

    async def tell(self, handoff_id: int, key: str) -> bool:
        """Tell the person, in their language, what the counsellor did (claimed, handed back)."""
        stored = await asyncio.to_thread(self._store_notice, handoff_id, key)
        return False if stored is None else await self.deliver(handoff_id, stored)

    def _store_notice(self, handoff_id: int, key: str) -> int | None:
        with self._transaction() as db:
            current = db.get(Handoff, handoff_id)
            if current is None:
                return None
            message = handoff.add_message(db, current, "assistant", text(key, current.language))
            return message.id

    async def _push(self, stored: Stored) -> bool:
        if stored.channel == "telegram" and "telegram" in self._pushers:
            message = stored.text
            if stored.author == "counsellor":
                message = text("counsellor_says", stored.language, text=stored.text)
            try:
                return await self._pushers["telegram"](
                    stored.conversation_id, [BotMessage(message)]
                )
            except Exception as exc:
                logger.warning("telegram delivery failed: %s", type(exc).__name__)
                return False
        # The widget reads it live when it is open, else in its history at the next visit.
        sender = "counsellor" if stored.author == "counsellor" else "bot"
        event = {
            "type": "reply",
            "language": None,
            "messages": [{"text": stored.text, "buttons": [], "from": sender}],
        }
        return await self.hub.publish(conversation_topic(stored.conversation_id), event) > 0

    # ------------------------------------------------------------------ history, erasure, timers

    async def history(self, conversation_id: str) -> list[HistoryEntry]:
        """The messages of the conversation's handoffs, for its history: what the person wrote
        to the counsellor, the counsellor's replies and the assistant's notices; notes never."""
        try:
            return await asyncio.to_thread(self._history, conversation_id)
        except SQLAlchemyError as exc:
            logger.error("handoff history unreadable: %s", type(exc).__name__)
            return []

    def _history(self, conversation_id: str) -> list[HistoryEntry]:
        senders = {"person": "user", "assistant": "bot", "counsellor": "counsellor"}
        with self._transaction() as db:
            return [
                HistoryEntry(senders[message.author], message.text, at=as_utc(message.created_at))
                for message in handoff.messages_of(db, conversation_id)
                if message.author in senders
            ]

    async def erase(self, conversation_id: str) -> int:
        return await asyncio.to_thread(self._erase, conversation_id)

    def _erase(self, conversation_id: str) -> int:
        with self._transaction() as db:
            return handoff.erase_conversation(db, conversation_id)

    async def watch_unclaimed(self, every_seconds: float = 30.0) -> None:
        """Turn handoffs nobody claimed in time into callbacks, every `every_seconds`."""
        while True:
            await asyncio.sleep(every_seconds)
            try:
                await self.turn_unclaimed()
            except Exception as exc:
                logger.error("unclaimed handoffs check failed: %s", type(exc).__name__)

    async def turn_unclaimed(self) -> list[int]:
        """Handoffs waiting longer than HANDOFF_CLAIM_MINUTES become callbacks; the people
        waiting are told that someone will write later and that the assistant is back."""
        limit = dt.timedelta(minutes=self.settings.handoff_claim_minutes)
        turned: list[int] = await self._run(self._turn_unclaimed, limit)
        for handoff_id in turned:
            await self.tell(handoff_id, "handoff_nobody_free")
            await self.tell(handoff_id, "handoff_callback_contact")
        return turned

    def _turn_unclaimed(self, events: list[dict[str, Any]], limit: dt.timedelta) -> list[int]:
        with self._transaction() as db:
            turned = handoff.overdue(db, limit)
            for current in turned:
                current.asked_contact = True
                events.append(console_event(current, "callback"))
            return [current.id for current in turned]

    async def deliver_pending(self, channel: str) -> int:
        """Deliver what was stored for `channel` but not delivered (the gateway stopped, or
        Telegram was unreachable): nothing a counsellor wrote is lost. Says how many went."""
        pending = await asyncio.to_thread(self._pending, channel)
        delivered = 0
        for handoff_id, message_id in pending:
            if not await asyncio.to_thread(self._claim_delivery, message_id):
                continue  # another gateway, starting too, sends this one
            loaded = await asyncio.to_thread(self._load_message, handoff_id, message_id)
            if loaded is not None and await self._push(loaded):
                delivered += 1
            else:
                await asyncio.to_thread(self._release_delivery, message_id)
        return delivered

    def _claim_delivery(self, message_id: int) -> bool:
        with self._transaction() as db:
            return handoff.claim_delivery(db, message_id)

    def _release_delivery(self, message_id: int) -> None:
        with self._transaction() as db:
            handoff.release_delivery(db, message_id)

    def _pending(self, channel: str) -> list[tuple[int, int]]:
        with self._transaction() as db:
            return handoff.undelivered(db, channel)
