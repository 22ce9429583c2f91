"""What is kept, and for how long: one purge for everything personal the assistant stores.

- a pre-registration's personal data: until PURGE_AFTER_DAYS after its session ends;
- a handoff (transcript, notes, callback contact): until PURGE_AFTER_DAYS after it closed, or
  after it opened for a callback nobody closed;
- a conversation in the engine's store: until CONVERSATION_RETENTION_DAYS without a message.

"Delete my data" erases all of it at once for a conversation (bot.pipeline); this purge is the
rest, run every day inside the gateway and by `guidance purge`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from bot import handoff, registration
from bot.catalogue.queries import brussels_today
from bot.db import db_sessions, utc_now
from bot.settings import Settings
from bot.tracker_store import conversations_left_before, erase_tracker, purge_conversations

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeReport:
    registrations: int
    handoffs: int
    conversations: int
    events: int

    def summary(self, settings: Settings, dry_run: bool = False) -> str:
        verb = "would be" if dry_run else "were"
        return (
            f"{self.registrations} registration(s) of sessions ended over "
            f"{settings.purge_after_days} days ago {verb} erased; "
            f"{self.handoffs} handoff(s) {verb} deleted with their messages; "
            f"{self.conversations} conversation(s) silent for over "
            f"{settings.conversation_retention_days} days {verb} deleted"
            + ("" if dry_run else f" ({self.events} events)")
        )


def purge_all(settings: Settings, *, dry_run: bool = False) -> PurgeReport:
    """Erase what is past its retention; with `dry_run`, only count it."""
    with db_sessions(settings.database_url)() as db, db.begin():
        registrations = registration.purge(db, settings.purge_after_days, brussels_today())
        handoffs = handoff.purge(db, settings.purge_after_days)
        if dry_run:
            db.rollback()
    cutoff = utc_now() - dt.timedelta(days=settings.conversation_retention_days)
    if dry_run:
        silent = conversations_left_before(settings.effective_tracker_url, cutoff)
        return PurgeReport(registrations, handoffs, len(silent), 0)
    conversations, events = purge_conversations(settings.effective_tracker_url, cutoff)
    return PurgeReport(registrations, handoffs, conversations, events)


@dataclass(frozen=True)
class Erasure:
    """What erasing one person's registration (on their request, to a partner) removed."""

    registrations: int
    handoffs: int
    events: int


def erase_by_reference(settings: Settings, reference: str) -> Erasure | None:
    """Erase the registration `reference` and everything of its conversation: the personal
    data of its registrations (cancelled if still active), its handoffs, and the conversation
    in the engine's store. None when no registration has that reference."""
    with db_sessions(settings.database_url)() as db, db.begin():
        found = registration.find(db, reference)
        if found is None:
            return None
        conversation = found.conversation_id
        if conversation is None:
            if found.status != registration.Status.CANCELLED.value:
                registration.cancel(db, reference)
            registration.erase(db, found)
            return Erasure(1, 0, 0)
        registrations = registration.erase_conversation(db, conversation)
        handoffs = handoff.erase_conversation(db, conversation)
    events = erase_tracker(settings.effective_tracker_url, conversation)
    return Erasure(registrations, handoffs, events)


async def purge_regularly(settings: Settings) -> None:
    """The gateway's own daily purge: once at start, then every PURGE_EVERY_HOURS, so retention
    does not depend on someone remembering a cron line."""
    while True:
        try:
            report = await asyncio.to_thread(purge_all, settings)
            logger.info("retention: %s", report.summary(settings))
        except Exception as exc:
            # Counts only, never what was deleted.
            logger.error("retention purge failed: %s", type(exc).__name__)
        await asyncio.sleep(settings.purge_every_hours * 3600)
