"""The console and the relay through the gateway app, on SQLite and PostgreSQL, with the engine
down: what a handoff owns never needs the engine. Log in, CSRF, teams, lockout, replies pushed
to the widget's socket, bad input answered with a 4xx and a reason."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import markupsafe
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot import handoff
from bot.catalogue.queries import get_course, upcoming_sessions
from bot.counsellors import MAX_FAILED_LOGINS, Role, add_counsellor
from bot.db import write_transaction
from bot.db.models import AuditEvent, Course, CourseSession, HandoffMessage, Registration
from bot.handoff import Reason, State
from bot.i18n import format_date, text
from bot.identity import token_for
from bot.registration import Applicant, format_reference, register
from bot.runner import free_port
from bot.settings import Settings
from bot.web.app import create_app

PASSWORD = "a long password 1"
PERSON = "web-" + "p" * 24
ALWAYS_OPEN = (
    "default:\n"
    + "".join(
        f"  {day}: ['00:00-23:59']\n"
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    + "public_holidays: no\n"
)


@pytest.fixture
def app_settings(database_url: str, seeded, tmp_path: Path) -> Settings:
    hours = tmp_path / "hours.yml"
    hours.write_text(ALWAYS_OPEN, encoding="utf-8")
    with seeded() as db, db.begin():
        add_counsellor(
            db, email="ana@actiris.example", team="actiris", role=Role.COUNSELLOR, password=PASSWORD
        )
        add_counsellor(
            db,
            email="ben@becode.example",
            team="becode",
            role=Role.COUNSELLOR,
            password=PASSWORD,
            language="nl",
        )
    return Settings(
        database_url=database_url,
        engine_port=free_port(),
        action_port=free_port(),
        engine_token="t",
        engine_timeout_seconds=2,
        var_dir=tmp_path,
        office_hours_file=hours,
    )


@pytest.fixture
def client(app_settings: Settings):
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def shown(key: str, lang: str) -> str:
    """A console text as the page shows it (HTML-escaped)."""
    return str(markupsafe.escape(text(key, lang)))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD):
    token = csrf_of(client.get("/console/login").text)
    return client.post(
        "/console/login",
        data={"csrf": token, "email": email, "password": password},
        follow_redirects=False,
    )


def open_handoff(seeded, team: str = "actiris", language: str = "fr") -> int:
    with seeded() as db, db.begin():
        opened, _ = handoff.open_handoff(
            db, conversation_id=PERSON, language=language, reason=Reason.ASKED, team=team
        )
        return opened.id


def act(client: TestClient, handoff_id: int, action: str, **form: str):
    token = csrf_of(client.get(f"/console/handoffs/{handoff_id}").text)
    return client.post(
        f"/console/handoffs/{handoff_id}/{action}",
        data={"csrf": token, **form},
        follow_redirects=False,
    )


def token_of(client: TestClient, conversation_id: str = PERSON) -> str:
    """The conversation's token, as the gateway issued it to the person's browser."""
    return token_for(client.app.state.relay.settings.conversation_key(), conversation_id)


def hello(socket, client: TestClient, lang: str, conversation_id: str = PERSON) -> None:
    socket.send_json(
        {
            "type": "hello",
            "conversation_id": conversation_id,
            "token": token_of(client, conversation_id),
            "lang": lang,
        }
    )


def say(client: TestClient, message: str) -> list[str]:
    response = client.post(
        "/api/messages", json={"sender": PERSON, "text": message, "token": token_of(client)}
    )
    assert response.status_code == 200
    return [m["text"] for m in response.json()["messages"]]


def test_without_a_session_pages_send_to_the_login(client, seeded):
    handoff_id = open_handoff(seeded)
    for path in ("/console", f"/console/handoffs/{handoff_id}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/console/login"
    assert client.get("/console/events").status_code == 401
    assert client.get("/console/queue").status_code == 401


def test_the_session_cookie_is_httponly_and_strict(client):
    response = log_in(client, "ana@actiris.example")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP here; CONSOLE_HTTPS adds it


def test_a_wrong_password_is_refused_and_repeated_ones_lock(client, caplog):
    caplog.set_level(logging.DEBUG)
    refused = log_in(client, "ana@actiris.example", "not it at all")
    assert refused.status_code == 401
    assert shown("console_login_wrong", "fr") in refused.text
    for _ in range(MAX_FAILED_LOGINS - 1):
        last = log_in(client, "ana@actiris.example", "still not it")
    assert last.status_code == 429
    assert log_in(client, "ana@actiris.example").status_code == 429  # locked, right password
    assert "not it at all" not in caplog.text and PASSWORD not in caplog.text
    assert log_in(client, "ben@becode.example").status_code == 303  # others are not locked


def test_forms_without_the_csrf_token_are_refused(client, seeded):
    handoff_id = open_handoff(seeded)
    login = client.post(
        "/console/login",
        data={"email": "ana@actiris.example", "password": PASSWORD},
        follow_redirects=False,
    )
    assert login.status_code == 403
    assert log_in(client, "ana@actiris.example").status_code == 303
    for form in ({}, {"csrf": "forged"}):
        response = client.post(f"/console/handoffs/{handoff_id}/claim", data=form)
        assert response.status_code == 403
    with seeded() as db:
        assert db.get(handoff.Handoff, handoff_id).state == State.WAITING.value


def test_another_teams_handoff_is_forbidden_and_an_unknown_one_not_found(client, seeded):
    handoff_id = open_handoff(seeded, team="becode")
    log_in(client, "ana@actiris.example")
    assert client.get(f"/console/handoffs/{handoff_id}").status_code == 403
    assert client.get("/console/handoffs/987654").status_code == 404
    token = csrf_of(client.get("/console").text)
    claimed = client.post(f"/console/handoffs/{handoff_id}/claim", data={"csrf": token})
    assert claimed.status_code == 403
    assert f"/console/handoffs/{handoff_id}" not in client.get("/console").text


def test_a_person_waiting_is_told_their_place_without_the_engine(client, seeded):
    handoff_id = open_handoff(seeded, language="nl")
    assert say(client, "hallo, is er iemand?") == [text("handoff_kept", "nl", position=1)]
    with seeded() as db:
        stored = db.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id)
        ).all()
    assert (stored[0].author, stored[0].text) == ("person", "hallo, is er iemand?")


def test_the_counsellor_claims_replies_live_to_the_widget_and_hands_back(client, seeded):
    handoff_id = open_handoff(seeded, team="becode", language="nl")
    log_in(client, "ben@becode.example")
    page = client.get(f"/console/handoffs/{handoff_id}")
    assert page.status_code == 200 and 'lang="nl"' in page.text
    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        hello(socket, client, "nl")
        assert socket.receive_json()["type"] == "history"
        assert act(client, handoff_id, "claim").status_code == 303
        claimed = socket.receive_json()
        assert claimed["messages"] == [
            {"text": text("handoff_claimed", "nl"), "buttons": [], "from": "bot"}
        ]
        # The person's messages now go to the counsellor only: no reply, no engine.
        socket.send_json({"type": "message", "text": "ik ben 19 en woon in Anderlecht"})
        assert socket.receive_json()["type"] == "typing"
        assert socket.receive_json() == {"type": "reply", "language": "nl", "messages": []}
        assert act(client, handoff_id, "reply", text="Hoi! Ik kijk het na.").status_code == 303
        pushed = socket.receive_json()
        assert pushed["messages"] == [
            {"text": "Hoi! Ik kijk het na.", "buttons": [], "from": "counsellor"}
        ]
        transcript = client.get(f"/console/handoffs/{handoff_id}/transcript").text
        assert (
            "ik ben 19 en woon in Anderlecht" in transcript and "Hoi! Ik kijk het na." in transcript
        )
        assert act(client, handoff_id, "note", text="Check Actiris").status_code == 303
        assert act(client, handoff_id, "hand-back").status_code == 303
        assert socket.receive_json()["messages"][0]["text"] == text("handoff_handed_back", "nl")
    with seeded() as db:
        current = db.get(handoff.Handoff, handoff_id)
        assert current.state == State.CLOSED.value and current.outcome == "handed_back"
        delivered = db.scalars(
            select(HandoffMessage).where(HandoffMessage.author == "counsellor")
        ).all()
        assert all(m.delivered_at is not None for m in delivered)
        actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[:3] == ["opened", "viewed", "viewed"] and "claimed" in actions
    assert actions[-1] == "handed_back"
    # Back with the assistant: the engine is asked again (down here: the polite notice).
    assert say(client, "en wanneer start het?") == [text("unavailable", "nl")]


def test_a_reply_to_a_closed_handoff_or_too_long_is_refused_with_a_reason(client, seeded):
    handoff_id = open_handoff(seeded)
    log_in(client, "ana@actiris.example")
    act(client, handoff_id, "claim")
    too_long = act(client, handoff_id, "reply", text="x" * (handoff.MAX_REPLY_CHARACTERS + 1))
    assert too_long.status_code == 413
    assert shown("console_error_too_long", "fr") in too_long.text
    act(client, handoff_id, "close")
    closed = act(client, handoff_id, "reply", text="encore là ?")
    assert closed.status_code == 409
    assert shown("console_error_closed", "fr") in closed.text
    huge = client.post(
        f"/console/handoffs/{handoff_id}/reply",
        content=b"csrf=x&text=" + b"y" * 70_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413


def test_two_counsellors_claiming_one_wins_the_other_is_told(client, seeded, app_settings):
    handoff_id = open_handoff(seeded)
    with seeded() as db, db.begin():
        add_counsellor(
            db,
            email="cleo@actiris.example",
            team="actiris",
            role=Role.COUNSELLOR,
            password=PASSWORD,
        )
    log_in(client, "ana@actiris.example")
    with TestClient(create_app(app_settings)) as other:
        log_in(other, "cleo@actiris.example")
        assert act(client, handoff_id, "claim").status_code == 303
        lost = act(other, handoff_id, "claim")
    assert lost.status_code == 409
    assert shown("console_error_claim_lost", "fr") in lost.text


def test_the_person_can_go_back_to_the_assistant(client, seeded):
    open_handoff(seeded, language="en")
    assert say(client, "Cancel!") == [text("handoff_cancelled", "en")]
    with seeded() as db:
        assert handoff.current_handoff(db, PERSON) is None
    # An old "back to the assistant" button gets a short answer, not the engine's confusion.
    response = client.post(
        "/api/messages",
        json={"sender": PERSON, "text": "/back_to_assistant", "token": token_of(client)},
    )
    assert response.status_code == 200


def test_the_console_speaks_the_counsellors_language(client):
    log_in(client, "ben@becode.example")
    assert shown("console_queue_empty", "nl") in client.get("/console").text
    assert shown("console_queue_empty", "en") in client.get("/console?lang=en").text


def needs_check(seeded, course_key: str, conversation_id: str = PERSON) -> str:
    """A pre-registration flagged for a counsellor's check; its reference."""
    with seeded() as db:
        session_key = next(
            s.key
            for s in db.scalars(select(CourseSession).join(Course).where(Course.key == course_key))
            if s.seats_left
        )
    with write_transaction(seeded.kw["bind"]) as db:
        result = register(
            db,
            session_key,
            Applicant("Sam", "sam@example.org", 20, "unknown", "1080", conversation_id),
            needs_check=True,
            secret="s",
        )
    return result.reference


def decide_on(client: TestClient, reference: str, **form: str):
    token = csrf_of(client.get("/console/registrations").text)
    return client.post(
        f"/console/registrations/{reference}/decide",
        data={"csrf": token, **form},
        follow_redirects=False,
    )


def test_a_partner_accepts_a_registration_to_check_and_the_person_is_told(client, seeded):
    reference = needs_check(seeded, "becode-web-developer")
    other = needs_check(seeded, "molengeek-coding-school", "web-" + "q" * 24)
    log_in(client, "ben@becode.example")
    page = client.get("/console/registrations").text
    assert format_reference(reference) in page and format_reference(other) not in page
    assert decide_on(client, other, decision="accept").status_code == 404
    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        hello(socket, client, "fr")
        assert socket.receive_json()["type"] == "history"
        assert decide_on(client, reference, decision="accept").status_code == 303
        told = socket.receive_json()["messages"][0]["text"]
    assert format_reference(reference) in told and "BeCode" in told
    assert decide_on(client, reference, decision="accept").status_code == 409
    with seeded() as db:
        assert (
            db.scalar(select(Registration.status).where(Registration.reference == reference))
            == "pre_registered"
        )
        trail = [e.action for e in db.scalars(select(AuditEvent))]
    assert "registration_accepted" in trail


def test_declining_needs_a_reason_frees_the_seat_and_the_export_follows(client, seeded):
    reference = needs_check(seeded, "becode-web-developer")
    log_in(client, "ana@actiris.example")  # Actiris sees every partner's registrations
    assert decide_on(client, reference, decision="decline").status_code == 422
    with seeded() as db:
        booked = db.scalar(
            select(CourseSession.seats_booked)
            .join(Registration)
            .where(Registration.reference == reference)
        )
    declined = decide_on(
        client, reference, decision="decline", reason="Tu dois d'abord t'inscrire chez Actiris."
    )
    assert declined.status_code == 303
    with seeded() as db:
        row = db.scalars(select(Registration).where(Registration.reference == reference)).one()
        assert row.status == "declined"
        assert db.get(CourseSession, row.session_id).seats_booked == booked - 1
        told = db.scalars(
            select(HandoffMessage)
            .join(handoff.Handoff)
            .where(handoff.Handoff.conversation_id == PERSON)
        ).all()
    assert "Tu dois d'abord t'inscrire chez Actiris." in told[-1].text
    export = client.get("/console/registrations.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert format_reference(reference) in export.text and ",declined," in export.text


def test_a_counsellor_makes_a_referral_and_sees_what_came_through_it(client, seeded):
    log_in(client, "ana@actiris.example")
    token = csrf_of(client.get("/console/referrals").text)
    empty = client.post("/console/referrals", data={"csrf": token, "label": "  "})
    assert empty.status_code == 422
    made = client.post(
        "/console/referrals",
        data={"csrf": token, "label": "Salon emploi Anderlecht"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    code = made.headers["location"].rsplit("/", 1)[-1]
    card = client.get(f"/console/referrals/{code}").text
    assert f"?ref={code}" in card and 'src="data:image/svg+xml' in card
    # Telegram is off here: no t.me link without the bot's name.
    assert "t.me/" not in card
    with write_transaction(seeded.kw["bind"]) as db:
        session_key = db.scalars(select(CourseSession.key)).first()
        register(
            db,
            session_key,
            Applicant("Lea", "lea@example.org", 22, "yes", "1070", PERSON, source=f"ref-{code}"),
            needs_check=False,
            secret="s",
        )
    listing = client.get("/console/referrals").text
    assert "Salon emploi Anderlecht" in listing and "1 × pre_registered" in listing
    log_in(client, "ben@becode.example")
    assert client.get(f"/console/referrals/{code}").status_code == 404  # not his
    assert "Salon emploi Anderlecht" not in client.get("/console/referrals").text


def test_the_widget_says_where_the_person_came_from(client, seeded):
    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        socket.send_json({"type": "hello", "conversation_id": PERSON, "source": "ref-<script>"})
        assert socket.receive_json() == {
            "type": "error",
            "reason": "'source' is 1-64 letters, digits, _ or -",
        }
    response = client.post("/api/messages", json={"sender": "a", "text": "hi", "source": "x" * 65})
    assert response.status_code == 422


def test_a_courses_facts_and_canned_replies_in_the_persons_language(client, seeded, today):
    handoff_id = open_handoff(seeded, language="nl")
    log_in(client, "ana@actiris.example")  # a French console
    act(client, handoff_id, "claim")
    page = client.get(f"/console/handoffs/{handoff_id}").text
    assert str(markupsafe.escape(text("canned_hello", "nl"))) in page
    facts = client.get("/console/courses/becode-web-developer")
    assert facts.status_code == 200
    with seeded() as db:
        course = get_course(db, "becode-web-developer")
        first = upcoming_sessions(course, today)[0]
        address = course.partner.address
    assert str(markupsafe.escape(address)) in facts.text
    assert format_date(first.start_date, "fr") in facts.text
    assert client.get("/console/courses/no-such-course").status_code == 404


def test_only_admins_export_the_audit_trail(client, seeded):
    with seeded() as db, db.begin():
        add_counsellor(
            db, email="dpo@example.org", team="actiris", role=Role.ADMIN, password=PASSWORD
        )
    log_in(client, "ana@actiris.example")
    assert client.get("/console/audit.csv").status_code == 403
    log_in(client, "dpo@example.org")
    export = client.get("/console/audit.csv")
    assert export.status_code == 200 and "at,counsellor,action,handoff,detail" in export.text


def test_console_pages_cannot_be_framed_or_cached(client):
    page = client.get("/console/login")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert "onclick" not in page.text and "<script>" not in page.text
