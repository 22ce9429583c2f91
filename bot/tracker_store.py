"""The engine's conversation store (Rasa's SQL tracker store, its `events` table), seen from
the application: what the engine keeps of a conversation, and erasing it."""

from __future__ import annotations

from sqlalchemy import text as sql

from bot.db import database_for


def erase_tracker(tracker_url: str, conversation_id: str) -> int:
    """Delete a conversation's events from the engine's SQL tracker store (its `events` table)."""
    with database_for(tracker_url).begin() as connection:
        result = connection.execute(
            sql("DELETE FROM events WHERE sender_id = :conversation_id"),
            {"conversation_id": conversation_id},
        )
    return int(result.rowcount)
