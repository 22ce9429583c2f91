"""The engine's conversation store (Rasa's SQL tracker store, its `events` table), seen from
the application: what the engine keeps of a conversation, erasing one, and deleting those
nobody wrote in for longer than the retention period."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect
from sqlalchemy import text as sql

from bot.db import database_for


def erase_tracker(tracker_url: str, conversation_id: str) -> int:
    """Delete a conversation's events from the engine's SQL tracker store (its `events` table;
    none yet when the engine never ran on this database)."""
    database = database_for(tracker_url)
    if not inspect(database).has_table("events"):
        return 0
    with database.begin() as connection:
        result = connection.execute(
            sql("DELETE FROM events WHERE sender_id = :conversation_id"),
            {"conversation_id": conversation_id},
        )
    return int(result.rowcount)


# Conversations whose last event is older than a moment: what the engine keeps of people who
# left. The engine stores `timestamp` as seconds since the epoch.
_LEFT_BEFORE = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"


def conversations_left_before(tracker_url: str, cutoff: dt.datetime) -> list[str]:
    """The conversations silent since before `cutoff` (none when the store is not made yet)."""
    database = database_for(tracker_url)
    if not inspect(database).has_table("events"):
        return []
    with database.connect() as connection:
        rows = connection.execute(sql(_LEFT_BEFORE), {"cutoff": cutoff.timestamp()}).all()
    return [str(row[0]) for row in rows]


def purge_conversations(tracker_url: str, cutoff: dt.datetime) -> tuple[int, int]:
    """Delete every event of the conversations silent since before `cutoff`: (conversations,
    events) deleted. One statement, so a conversation that speaks meanwhile is kept whole."""
    database = database_for(tracker_url)
    if not inspect(database).has_table("events"):
        return 0, 0
    with database.begin() as connection:
        conversations = connection.execute(
            sql(f"SELECT COUNT(*) FROM ({_LEFT_BEFORE}) AS left_ones"),
            {"cutoff": cutoff.timestamp()},
        ).scalar_one()
        deleted = connection.execute(
            sql(f"DELETE FROM events WHERE sender_id IN ({_LEFT_BEFORE})"),
            {"cutoff": cutoff.timestamp()},
        )
    return int(conversations), int(deleted.rowcount)
