"""Questions asked through `POST /api/messages`, answered by the real processes from the database.

Expected facts are read from the database in the test, so a wrong or invented answer fails.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from bot.catalogue.queries import get_course, get_partner, search_courses, upcoming_sessions
from bot.catalogue.seed import shifted_seed, write_catalogue
from bot.db.models import localized
from bot.i18n import format_date, text

pytestmark = pytest.mark.e2e


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_health_reports_every_part(assistant):
    response = httpx.get(f"{assistant.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "engine": "ok",
        "action_server": "ok",
        "database": "ok",
    }


def test_the_engine_is_not_reachable_without_its_token(assistant):
    engine = assistant.stack.settings.engine_url
    assert httpx.get(f"{engine}/status").status_code in (401, 403)
    assert httpx.get(f"{engine}/status", params={"token": "e2e-secret-token"}).status_code == 200


@pytest.mark.parametrize(("lang", "greeting"), [("fr", "salut"), ("nl", "hallo"), ("en", "hello")])
def test_the_first_answer_says_it_is_a_bot(assistant, lang, greeting):
    messages = assistant.ask(new_sender(), greeting, lang)
    assert messages[0]["text"] == text("greet", lang)
    assert messages[0]["buttons"]


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("fr", "c'est quoi becode ?"),
        ("nl", "wat is becode eigenlijk?"),
        ("en", "tell me about becode"),
    ],
)
def test_partner_question(assistant, lang, question):
    answer = assistant.ask_text(new_sender(), question, lang)
    with assistant.db() as session:
        becode = get_partner(session, "becode")
    assert becode.address in answer
    assert localized(becode, "description", lang) in answer


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("fr", "quelles formations en cybersécurité ?"),
        ("nl", "welke opleidingen zijn er in cyberveiligheid?"),
        ("en", "which cybersecurity trainings are there?"),
    ],
)
def test_course_search_by_topic(assistant, lang, question):
    answer = assistant.ask_text(new_sender(), question, lang)
    with assistant.db() as session:
        courses = search_courses(session, assistant.today, topic="cybersecurity")
    for course in courses:
        assert localized(course, "title", lang) in answer
        assert format_date(upcoming_sessions(course, assistant.today)[0].start_date, lang) in answer


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("fr", "quand commence la prochaine session de développeur web chez becode ?"),
        ("nl", "wanneer start de volgende sessie webontwikkelaar bij becode?"),
        ("en", "when does the next becode web developer session start?"),
    ],
)
def test_schedule_question(assistant, lang, question):
    answer = assistant.ask_text(new_sender(), question, lang)
    with assistant.db() as session:
        course = search_courses(
            session, assistant.today, topic="web_development", partner_key="becode"
        )[0]
        session_ = upcoming_sessions(course, assistant.today)[0]
    assert format_date(session_.start_date, lang) in answer
    assert session_.location in answer


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        (
            "fr",
            "j'ai 27 ans, je suis inscrit chez actiris et j'habite à Jette, je peux faire la coding school de molengeek ?",
        ),
        (
            "nl",
            "ik ben 27, ingeschreven bij actiris en woon in Jette, mag ik de coding school van molengeek doen?",
        ),
        (
            "en",
            "I'm 27, registered at Actiris and I live in Jette, can I join the molengeek coding school?",
        ),
    ],
)
def test_personal_eligibility_check(assistant, lang, question):
    answer = assistant.ask_text(new_sender(), question, lang)
    with assistant.db() as session:
        course = get_course(session, "molengeek-coding-school")
        max_age = next(r for r in course.rules if r.kind == "max_age")
    assert int(max_age.value) < 27, "the seed's age limit makes 27 too old"
    assert localized(course, "title", lang) in answer
    assert localized(max_age, "reason", lang) in answer


def test_the_conversation_keeps_its_language_and_course(assistant):
    sender = new_sender()
    assistant.ask(
        sender, "quand commence la prochaine session de développeur web chez becode ?", "fr"
    )
    answer = assistant.ask_text(sender, "et c'est où ?")
    with assistant.db() as session:
        course = search_courses(
            session, assistant.today, topic="web_development", partner_key="becode"
        )[0]
    assert upcoming_sessions(course, assistant.today)[0].location in answer
    assert localized(course, "title", "fr") in answer


def test_an_unknown_course_gets_the_known_ones(assistant):
    # A button of an old message naming a course the catalogue no longer has.
    messages = assistant.ask(new_sender(), '/ask_schedule{"course":"no-such-course"}', "en")
    assert messages[0]["text"].startswith(text("unknown_course", "en"))
    with assistant.db() as session:
        titles = {c.title_en for c in search_courses(session, assistant.today)}
    assert all(title in messages[0]["text"] for title in titles)
    assert 0 < len(messages[-1]["buttons"]) <= 8, "a choice offers at most 8 buttons"


def test_a_date_changed_with_the_importer_shows_without_retraining(assistant, tmp_path):
    document = shifted_seed(assistant.today)
    course = next(c for c in document["courses"] if c["key"] == "becode-web-developer")
    new_start = assistant.today + dt.timedelta(days=5)
    course["sessions"][0]["start_date"] = new_start
    course["sessions"][0]["application_deadline"] = assistant.today + dt.timedelta(days=2)
    course["sessions"][0]["info_session_date"] = assistant.today + dt.timedelta(days=1)
    path = write_catalogue(document, tmp_path / "edited.yml")
    env = {**os.environ, "DATABASE_URL": assistant.stack.settings.database_url}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "catalogue", "import", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "1 updated" in result.stdout
    answer = assistant.ask_text(
        new_sender(), "when does the next becode web developer session start?", "en"
    )
    assert format_date(new_start, "en") in answer


def test_bad_input_gets_a_reason(assistant):
    response = httpx.post(
        f"{assistant.url}/api/messages", json={"sender": "x", "text": "a" * 10_000}
    )
    assert response.status_code == 413 and "error" in response.json()
    response = httpx.post(
        f"{assistant.url}/api/messages",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    response = httpx.post(
        f"{assistant.url}/api/messages", json={"sender": "x", "text": "hi", "lang": "xx"}
    )
    assert response.status_code == 422


def test_a_conversation_survives_an_engine_restart(assistant):
    sender = new_sender()
    assistant.ask(sender, "when does the next becode web developer session start?", "en")
    stack = assistant.stack
    stack.stop_process("engine")
    unavailable = assistant.ask_text(sender, "where is it?")
    assert unavailable == text("unavailable", "en")
    stack.launch("engine")
    stack.wait_until_healthy()
    answer = assistant.ask_text(sender, "where is it?")
    with assistant.db() as session:
        course = search_courses(
            session, assistant.today, topic="web_development", partner_key="becode"
        )[0]
    # The course and the language were remembered by the engine's SQL tracker store.
    assert upcoming_sessions(course, assistant.today)[0].location in answer
    assert course.title_en in answer


def test_action_server_down_gives_a_polite_message_then_recovers(assistant):
    stack = assistant.stack
    stack.stop_process("actions")
    try:
        answer = assistant.ask_text(new_sender(), "quelles formations en cybersécurité ?", "fr")
        assert answer == text("unavailable", "fr")
        health = httpx.get(f"{assistant.url}/healthz")
        assert health.status_code == 503 and health.json()["action_server"] == "down"
    finally:
        stack.launch("actions")
        stack.wait_until_healthy()
    assert "Formations" in assistant.ask_text(
        new_sender(), "quelles formations en cybersécurité ?", "fr"
    )
