"""Handoffs on SQLite and PostgreSQL: every change of state, racing claims, teams, the audit
trail, erasure and purge."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from bot import handoff
from bot.counsellors import LoginRefused, Role, add_counsellor, authenticate
from bot.db import write_transaction
from bot.db.models import AuditEvent, Counsellor, Handoff, HandoffMessage
from bot.handoff import Reason, State


def make_counsellor(db, email: str, team: str = "actiris", role: Role = Role.COUNSELLOR):
    return add_counsellor(db, email=email, team=team, role=role, password="a long password 1")


def open_one(db, conversation_id: str = "web-abc", team: str = "actiris", **extra) -> Handoff:
    opened, _ = handoff.open_handoff(
        db, conversation_id=conversation_id, language="nl", reason=Reason.ASKED, team=team, **extra
    )
    return opened


@pytest.fixture
def db(seeded):
    with seeded() as session, session.begin():
        yield session


def test_a_handoff_opens_once_per_conversation(db):
    first, created = handoff.open_handoff(
        db, conversation_id="telegram-42", language="fr", reason=Reason.ASKED, team="actiris"
    )
    again, created_again = handoff.open_handoff(
        db, conversation_id="telegram-42", language="fr", reason=Reason.ASKED, team="actiris"
    )
    assert created and not created_again and again.id == first.id
    assert first.channel == "telegram" and first.state == State.WAITING.value
    assert handoff.current_handoff(db, "telegram-42").id == first.id


def test_outside_hours_it_is_a_callback_and_the_assistant_keeps_answering(db):
    opened = open_one(db, callback=True)
    assert opened.state == State.CALLBACK.value


def test_the_team_is_the_course_partners_else_actiris(db):
    assert handoff.team_for_course(db, "becode-web-developer") == "becode"
    assert handoff.team_for_course(db, None) == "actiris"
    assert handoff.team_for_course(db, "no-such-course") == "actiris"


def test_claim_reply_note_hand_back(db):
    ana = make_counsellor(db, "ana@actiris.example")
    opened = open_one(db)
    handoff.add_message(db, opened, "person", "ik wil een mens")
    claimed = handoff.claim(db, opened.id, ana)
    assert claimed.state == State.COUNSELLOR.value and claimed.counsellor_id == ana.id
    reply = handoff.reply(db, opened.id, ana, "  Hallo, ik ben Ana.  ")
    assert reply.text == "Hallo, ik ben Ana." and reply.delivered_at is None
    handoff.note(db, opened.id, ana, "wants BeCode, check Actiris file")
    handed = handoff.hand_back(db, opened.id, ana)
    assert handed.state == State.CLOSED.value and handed.outcome == "handed_back"
    assert handoff.current_handoff(db, "web-abc") is None
    authors = [m.author for m in handoff.messages_of(db, "web-abc")]
    assert authors == ["person", "counsellor", "note"]
    trail = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert trail == ["opened", "claimed", "handed_back"]


def test_release_puts_it_back_and_reassign_moves_it(db):
    ana = make_counsellor(db, "ana@actiris.example")
    opened = open_one(db)
    handoff.claim(db, opened.id, ana)
    released = handoff.release(db, opened.id, ana)
    assert released.state == State.WAITING.value and released.counsellor_id is None
    moved = handoff.reassign(db, opened.id, ana, "becode")
    assert moved.team == "becode"
    with pytest.raises(handoff.NotYourTeam):
        handoff.claim(db, opened.id, ana)


def test_a_second_claim_loses_and_closed_ones_say_so(db):
    ana = make_counsellor(db, "ana@actiris.example")
    bob = make_counsellor(db, "bob@actiris.example")
    opened = open_one(db)
    handoff.claim(db, opened.id, ana)
    with pytest.raises(handoff.ClaimLost):
        handoff.claim(db, opened.id, bob)
    with pytest.raises(handoff.NotYours):
        handoff.reply(db, opened.id, bob, "hi")
    handoff.close(db, opened.id, ana)
    with pytest.raises(handoff.HandoffClosed):
        handoff.reply(db, opened.id, ana, "still there?")
    with pytest.raises(handoff.HandoffClosed):
        handoff.claim(db, opened.id, bob)


def test_teams_see_their_own_handoffs_admins_see_all(db):
    ana = make_counsellor(db, "ana@actiris.example")
    ben = make_counsellor(db, "ben@becode.example", team="becode")
    root = make_counsellor(db, "root@example.org", team="actiris", role=Role.ADMIN)
    for_becode = open_one(db, "web-1", team="becode")
    for_actiris = open_one(db, "web-2")
    assert [h.id for h in handoff.queue(db, ben)] == [for_becode.id]
    assert [h.id for h in handoff.queue(db, ana)] == [for_actiris.id]
    assert {h.id for h in handoff.queue(db, root)} == {for_becode.id, for_actiris.id}
    with pytest.raises(handoff.NotYourTeam):
        handoff.get_for(db, for_becode.id, ana)
    with pytest.raises(handoff.HandoffNotFound):
        handoff.get_for(db, 999_999, ana)
    handoff.get_for(db, for_becode.id, root, viewing=True)
    viewed = db.scalar(select(AuditEvent).where(AuditEvent.action == "viewed"))
    assert viewed.counsellor_id == root.id and viewed.handoff_id == for_becode.id


def test_replies_are_bounded(db):
    ana = make_counsellor(db, "ana@actiris.example")
    opened = open_one(db)
    handoff.claim(db, opened.id, ana)
    with pytest.raises(handoff.TooLong):
        handoff.reply(db, opened.id, ana, "x" * (handoff.MAX_REPLY_CHARACTERS + 1))
    with pytest.raises(handoff.HandoffError):
        handoff.reply(db, opened.id, ana, "   ")


def test_queue_position_and_expected_wait(db):
    start = dt.datetime(2026, 12, 14, 9, 0, tzinfo=dt.timezone.utc)
    first = open_one(db, "web-1", at=start)
    second = open_one(db, "web-2", at=start + dt.timedelta(minutes=1))
    other_team = open_one(db, "web-3", team="becode", at=start)
    assert handoff.queue_position(db, first) == 1
    assert handoff.queue_position(db, second) == 2
    assert handoff.queue_position(db, other_team) == 1
    # No history: a fixed time per person.
    assert handoff.expected_wait(db, "actiris", 2) == dt.timedelta(
        minutes=2 * handoff.MINUTES_PER_PERSON_AHEAD
    )
    # With history: the median time to a claim.
    for minutes, conversation in ((2, "web-10"), (4, "web-11"), (30, "web-12")):
        done = open_one(db, conversation, at=start - dt.timedelta(hours=1))
        done.claimed_at = done.opened_at + dt.timedelta(minutes=minutes)
        done.state = State.CLOSED.value
    db.flush()
    assert handoff.expected_wait(db, "actiris", 2) == dt.timedelta(minutes=8)


def test_nobody_claiming_in_time_turns_it_into_a_callback(db):
    start = handoff.utc_now() - dt.timedelta(minutes=30)
    late = open_one(db, "web-1", at=start)
    recent = open_one(db, "web-2")
    turned = handoff.overdue(db, dt.timedelta(minutes=10))
    assert [h.id for h in turned] == [late.id]
    db.refresh(recent)
    assert late.state == State.CALLBACK.value and recent.state == State.WAITING.value
    ana = make_counsellor(db, "ana@actiris.example")
    assert handoff.claim(db, late.id, ana).state == State.COUNSELLOR.value


def test_the_person_cancelling_closes_it(db):
    opened = open_one(db)
    handoff.cancel_by_person(db, opened)
    assert opened.state == State.CLOSED.value and opened.outcome == "cancelled"


def test_erasure_deletes_transcripts_and_notes_and_keeps_the_trail(db):
    ana = make_counsellor(db, "ana@actiris.example")
    opened = open_one(db, "web-erase")
    handoff.add_message(db, opened, "person", "my phone is 0470 12 34 56")
    handoff.claim(db, opened.id, ana)
    handoff.note(db, opened.id, ana, "called her")
    assert handoff.erase_conversation(db, "web-erase") == 1
    assert db.scalar(select(Handoff).where(Handoff.conversation_id == "web-erase")) is None
    assert db.scalars(select(HandoffMessage)).all() == []
    erased = db.scalars(select(AuditEvent).where(AuditEvent.action == "erased")).all()
    assert [e.handoff_id for e in erased] == [opened.id]


def test_purge_deletes_closed_handoffs_past_retention_only(db):
    ana = make_counsellor(db, "ana@actiris.example")
    old, recent, still_open = open_one(db, "web-1"), open_one(db, "web-2"), open_one(db, "web-3")
    for closing in (old, recent):
        handoff.claim(db, closing.id, ana)
        handoff.add_message(db, closing, "counsellor", "bye")
        handoff.close(db, closing.id, ana)
    old.closed_at = handoff.utc_now() - dt.timedelta(days=100)
    db.flush()
    assert handoff.purge(db, 90) == 1
    left = set(db.scalars(select(Handoff.conversation_id)))
    assert left == {"web-2", "web-3"}
    assert still_open.state == State.WAITING.value


def claim_at_once(database, handoff_id, counsellor_id, barrier, results) -> None:
    barrier.wait()
    try:
        with write_transaction(database) as db:
            handoff.claim(db, handoff_id, db.get(Counsellor, counsellor_id))
        results.append("won")
    except handoff.ClaimLost:
        results.append("lost")


def test_claims_racing_have_exactly_one_winner_each_time(seeded):
    with seeded() as db, db.begin():
        counsellors = [make_counsellor(db, f"c{n}@actiris.example") for n in range(2)]
        ids = [c.id for c in counsellors]
        handoffs = [open_one(db, f"web-race-{n}").id for n in range(50)]
    database = seeded.kw["bind"]
    for handoff_id in handoffs:
        results: list[str] = []
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(
                target=claim_at_once, args=(database, handoff_id, cid, barrier, results)
            )
            for cid in ids
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["lost", "won"], handoff_id


def test_passwords_are_hashed_and_repeated_failures_lock_the_account(db):
    ana = make_counsellor(db, "Ana@Actiris.example")
    assert ana.email == "ana@actiris.example"
    assert "a long password 1" not in ana.password_hash
    assert ana.password_hash.startswith("$argon2")
    assert authenticate(db, "ANA@actiris.example", "a long password 1").id == ana.id
    for _ in range(4):
        with pytest.raises(LoginRefused) as refused:
            authenticate(db, "ana@actiris.example", "guess")
        assert not refused.value.locked
    with pytest.raises(LoginRefused) as refused:
        authenticate(db, "ana@actiris.example", "guess")
    assert refused.value.locked
    # Locked: even the right password is refused until the lock ends.
    with pytest.raises(LoginRefused) as refused:
        authenticate(db, "ana@actiris.example", "a long password 1")
    assert refused.value.locked
    ana.locked_until = handoff.utc_now() - dt.timedelta(seconds=1)
    assert authenticate(db, "ana@actiris.example", "a long password 1").id == ana.id


def test_purge_also_deletes_callbacks_left_open_past_retention(db):
    stale = open_one(db, "web-stale", callback=True, at=handoff.utc_now() - dt.timedelta(days=120))
    stale.callback_contact = "+32470123456"
    fresh = open_one(db, "web-fresh", callback=True)
    db.flush()
    assert handoff.purge(db, 90) == 1
    assert handoff.current_handoff(db, "web-stale") is None
    assert handoff.current_handoff(db, "web-fresh").id == fresh.id
