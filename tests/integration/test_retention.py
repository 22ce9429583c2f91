"""Retention on SQLite and PostgreSQL: conversations nobody wrote in for longer than the
retention period leave the engine's store whole, others stay whole; one purge covers
registrations, handoffs and conversations, and a dry run only counts."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import text as sql

from bot import handoff
from bot.db import database_for, utc_now
from bot.retention import purge_all
from bot.settings import Settings
from bot.tracker_store import conversations_left_before, purge_conversations

# The columns of Rasa's SQL tracker store that retention reads.
EVENTS_TABLE = """CREATE TABLE events (
    id {id} PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def create_events_table(url: str) -> None:
    identity = "INTEGER" if url.startswith("sqlite") else "SERIAL"
    with database_for(url).begin() as connection:
        connection.execute(sql(EVENTS_TABLE.format(id=identity)))


def add_events(url: str, sender: str, *days_ago: float) -> None:
    now = utc_now().timestamp()
    with database_for(url).begin() as connection:
        for days in days_ago:
            connection.execute(
                sql(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES (:s, 'user', :t, '{\"text\": \"my phone is 0470 11 22 33\"}')"
                ),
                {"s": sender, "t": now - days * 86400},
            )


def senders(url: str) -> set[str]:
    with database_for(url).connect() as connection:
        return {row[0] for row in connection.execute(sql("SELECT DISTINCT sender_id FROM events"))}


def test_silent_conversations_are_deleted_whole_and_recent_ones_kept_whole(database_url):
    create_events_table(database_url)
    add_events(database_url, "web-left", 45, 40, 35)
    add_events(database_url, "web-back", 45, 40, 2)  # came back two days ago: kept, all of it
    add_events(database_url, "telegram-7", 1)
    cutoff = utc_now() - dt.timedelta(days=30)
    assert conversations_left_before(database_url, cutoff) == ["web-left"]
    assert purge_conversations(database_url, cutoff) == (1, 3)
    assert senders(database_url) == {"web-back", "telegram-7"}
    with database_for(database_url).connect() as connection:
        kept = connection.execute(
            sql("SELECT COUNT(*) FROM events WHERE sender_id = 'web-back'")
        ).scalar_one()
    assert kept == 3


def test_a_store_not_made_yet_has_nothing_to_purge(database_url):
    cutoff = utc_now()
    assert conversations_left_before(database_url, cutoff) == []
    assert purge_conversations(database_url, cutoff) == (0, 0)


def test_one_purge_for_everything_and_a_dry_run_that_only_counts(database_url, seeded, tmp_path):
    create_events_table(database_url)
    add_events(database_url, "web-old", 60)
    add_events(database_url, "web-new", 3)
    with seeded() as db, db.begin():
        handoff.open_handoff(
            db,
            conversation_id="web-old",
            language="fr",
            reason=handoff.Reason.ASKED,
            team="actiris",
            callback=True,
            at=utc_now() - dt.timedelta(days=120),
        )
    settings = Settings(
        database_url=database_url, tracker_database_url=database_url, var_dir=tmp_path
    )
    dry = purge_all(settings, dry_run=True)
    assert (dry.handoffs, dry.conversations) == (1, 1)
    assert senders(database_url) == {"web-old", "web-new"}
    with seeded() as db:
        assert handoff.current_handoff(db, "web-old") is not None
    done = purge_all(settings)
    assert (done.handoffs, done.conversations, done.events) == (1, 1, 1)
    assert senders(database_url) == {"web-new"}
    assert "1 conversation(s) silent for over 30 days were deleted" in done.summary(settings)


def test_the_running_gateway_purges_on_its_own(database_url, seeded, tmp_path):
    from fastapi.testclient import TestClient

    from bot.runner import free_port
    from bot.web.app import create_app

    create_events_table(database_url)
    add_events(database_url, "web-gone", 50)
    add_events(database_url, "web-here", 0)
    settings = Settings(
        database_url=database_url,
        tracker_database_url=database_url,
        var_dir=tmp_path,
        engine_port=free_port(),
        action_port=free_port(),
        purge_every_hours=0.0005,  # about 2 seconds
    )
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 20
        while "web-gone" in senders(database_url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert senders(database_url) == {"web-here"}
        # And again later: a conversation that falls silent meanwhile goes at the next run.
        add_events(database_url, "web-later", 31)
        while "web-later" in senders(database_url) and time.monotonic() < deadline:
            time.sleep(0.2)
    assert senders(database_url) == {"web-here"}
