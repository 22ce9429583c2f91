"""Pre-registration end to end: people sign up through `POST /api/messages` in three languages,
the export shows them, a cancellation promotes the waiting list, and "delete my data" leaves no
personal data in the database or in the engine's conversation store."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import select, text, update

from bot.catalogue.queries import get_course, upcoming_sessions
from bot.db import database_for
from bot.db.models import CourseSession, Handoff, HandoffMessage, Registration
from bot.handoff import Reason, add_message, cancel_by_person, open_handoff
from bot.i18n import text as message
from bot.registration import format_reference, parse_reference

pytestmark = pytest.mark.e2e

ANSWERS = {
    "fr": ["oui", "Aïcha", "aicha@example.org", "j'ai 22 ans", "oui", "1080", "oui"],
    "nl": ["ja", "Bram", "0470 12 34 56", "ik ben 20", "ja", "1030", "ja"],
    "en": ["yes", "Мария", "+32 486 11 22 33", "24", "yes", "1210", "yes"],
}
ASK_FIRST = {
    "fr": "quand commence la prochaine session de développeur web chez becode ?",
    "nl": "wanneer start de volgende sessie webontwikkelaar bij becode?",
    "en": "when does the next becode web developer session start?",
}
SIGN_UP = {"fr": "je veux m'inscrire", "nl": "ik wil me inschrijven", "en": "sign me up"}


def sign_up(assistant, sender: str, lang: str, session_key: str, answers: list[str]) -> str:
    """Press the session's button, answer every question, confirm; return the last answer."""
    assistant.ask(sender, f'/preregister{{"session":"{session_key}"}}', lang)
    for answer in answers[:-1]:
        assistant.ask(sender, answer)
    return assistant.ask_text(sender, answers[-1])


def first_open_session(assistant, course_key="becode-web-developer") -> CourseSession:
    with assistant.db() as db:
        return upcoming_sessions(get_course(db, course_key), assistant.today)[0]


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_a_new_person_pre_registers_and_gets_a_reference(assistant, lang):
    sender = f"reg-{uuid.uuid4().hex[:8]}"
    assistant.ask(sender, ASK_FIRST[lang], lang)
    offered = assistant.ask(sender, SIGN_UP[lang])
    session = first_open_session(assistant)
    assert f'/preregister{{"session":"{session.key}"}}' in [
        b["payload"] for b in offered[0]["buttons"]
    ]
    final = sign_up(assistant, sender, lang, session.key, ANSWERS[lang])
    reference = parse_reference(final)
    assert reference, final
    with assistant.db() as db:
        row = db.scalars(select(Registration).where(Registration.reference == reference)).one()
    assert row.status == "pre_registered" and row.session_key == session.key
    assert row.first_name == ANSWERS[lang][1]
    assert format_reference(reference) in final
    # The export for partners shows the row.
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "registrations", "export", "--session", session.key, "--format", "csv"],
        env={**os.environ, "DATABASE_URL": assistant.stack.settings.database_url},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    exported = next(r for r in rows if r["reference"] == format_reference(reference))
    assert exported["first_name"] == ANSWERS[lang][1]
    assert exported["status"] == "pre_registered"


def test_cancelling_promotes_the_waiting_list(assistant):
    session = first_open_session(assistant, "becode-ai-data-developer")
    with assistant.db() as db, db.begin():
        db.execute(
            update(CourseSession)
            .where(CourseSession.id == session.id)
            .values(capacity=CourseSession.seats_taken + CourseSession.seats_booked + 1)
        )
    first, second = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    seated = parse_reference(sign_up(assistant, first, "en", session.key, ANSWERS["en"]))
    answers = [*ANSWERS["en"]]
    answers[2] = "someone.else@example.org"
    waiting_text = sign_up(assistant, second, "en", session.key, answers)
    assert "waiting list, number 1" in waiting_text
    waiting = parse_reference(waiting_text)
    reply = assistant.ask_text(first, f'/cancel_registration{{"reference":"{seated}"}}')
    assert reply == message("cancel_done", "en", reference=format_reference(seated))
    with assistant.db() as db:
        statuses = dict(db.execute(select(Registration.reference, Registration.status)).all())
    assert statuses[seated] == "cancelled"
    assert statuses[waiting] == "pre_registered"
    assert "pre-registered" in assistant.ask_text(second, "did my registration go through?")


def test_delete_my_data_leaves_nothing_personal(assistant):
    sender = f"del-{uuid.uuid4().hex[:8]}"
    answers = ["oui", "Zoé", "zoe.secret@example.org", "19", "oui", "1060", "oui"]
    reference = parse_reference(
        sign_up(assistant, sender, "fr", first_open_session(assistant).key, answers)
    )
    assert reference
    # An earlier talk with a counsellor: its transcript is personal data too.
    with assistant.db() as db, db.begin():
        earlier, _ = open_handoff(
            db, conversation_id=sender, language="fr", reason=Reason.ASKED, team="actiris"
        )
        add_message(db, earlier, "person", "mon numéro est le 0470 99 88 77")
        cancel_by_person(db, earlier)
    confirm = assistant.ask(sender, "supprime mes données")
    assert confirm[0]["text"] == message("delete_confirm", "fr")
    done = assistant.ask_text(sender, "oui")
    assert done == message("delete_done", "fr", count=1)
    with assistant.db() as db:
        row = db.scalars(select(Registration).where(Registration.reference == reference)).one()
    assert (row.first_name, row.contact, row.age, row.postcode, row.conversation_id) == (None,) * 5
    assert row.status == "cancelled"
    with assistant.db() as db:
        assert db.scalars(select(Handoff).where(Handoff.conversation_id == sender)).all() == []
        assert (
            db.scalars(select(HandoffMessage).where(HandoffMessage.text.like("%0470%"))).all() == []
        )
    tracker = database_for(assistant.stack.settings.effective_tracker_url)
    with tracker.connect() as connection:
        events = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender}
        ).all()
        anywhere = connection.execute(
            text("SELECT count(*) FROM events WHERE data LIKE :p"), {"p": "%zoe.secret%"}
        ).scalar_one()
    assert events == [] and anywhere == 0


def test_personal_data_never_reaches_the_logs(assistant):
    sender = f"log-{uuid.uuid4().hex[:8]}"
    answers = ["yes", "Quentin", "quentin.private@example.org", "23", "no", "1190", "yes"]
    sign_up(assistant, sender, "en", first_open_session(assistant).key, answers)
    logs = "".join(p.read_text(errors="replace") for p in assistant.stack.log_dir.glob("*.log"))
    for secret in ("quentin.private@example.org", "Quentin"):
        assert secret not in logs


def test_a_typed_payload_cannot_swap_the_session_confirmed(assistant):
    """The issue's finding: `/affirm{"session": <another key>}` at the summary confirmed a
    session the person never saw, for another partner."""
    sender = f"swap-{uuid.uuid4().hex[:8]}"
    shown = first_open_session(assistant)
    other = first_open_session(assistant, "molengeek-coding-school")
    answers = ANSWERS["en"][:-1]
    summary = sign_up(assistant, sender, "en", shown.key, answers)
    assert "BeCode" in summary
    # Every slot of the form tried at once through a typed payload.
    tampered = {
        "session": other.key,
        "course": "molengeek-coding-school",
        "first_name": "Mallory",
        "contact": "mallory@example.org",
        "age": "99",
        "actiris_registered": "no",
        "postcode": "9999",
        "data_consent": "true",
    }
    final = assistant.ask_text(sender, "/affirm" + json.dumps(tampered))
    reference = parse_reference(final)
    assert reference, final
    with assistant.db() as db:
        row = db.scalars(select(Registration).where(Registration.reference == reference)).one()
    assert row.session_key == shown.key
    assert (row.first_name, row.contact, row.age, row.postcode) == (
        answers[1],
        "+32486112233",
        24,
        "1210",
    )
    assert "MolenGeek" not in final


def test_data_registered_elsewhere_is_erased_by_reference_and_contact(assistant):
    """From another channel or a reset widget: the reference and the contact find it."""
    before = f"old-{uuid.uuid4().hex[:8]}"
    answers = ["yes", "Jonas", "jonas.other@example.org", "21", "yes", "1050", "yes"]
    reference = parse_reference(
        sign_up(assistant, before, "en", first_open_session(assistant).key, answers)
    )
    assert reference
    now = f"new-{uuid.uuid4().hex[:8]}"
    asked = assistant.ask_text(
        now, f"delete my data please, {format_reference(reference)} jonas.other@example.org", "en"
    )
    assert asked == message("delete_confirm", "en")
    assert assistant.ask_text(now, "yes") == message("delete_done", "en", count=1)
    with assistant.db() as db:
        row = db.scalars(select(Registration).where(Registration.reference == reference)).one()
    assert (row.first_name, row.contact, row.conversation_id) == (None, None, None)
    tracker = database_for(assistant.stack.settings.effective_tracker_url)
    with tracker.connect() as connection:
        left = connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id IN (:a, :b)"), {"a": before, "b": now}
        ).scalar_one()
    assert left == 0
