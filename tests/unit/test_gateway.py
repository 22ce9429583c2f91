"""The gateway's contract: clear 4xx answers for bad input, a polite message when the engine is down."""

import socket

import pytest
from fastapi.testclient import TestClient

from bot.i18n import text
from bot.settings import Settings
from bot.web.app import MAX_TEXT_CHARS, create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def client(tmp_path):
    # Nothing listens on these ports: the engine and action server are down.
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'g.db'}",
        engine_port=free_port(),
        action_port=free_port(),
        engine_token="t",
        engine_timeout_seconds=2,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def post(client, body: bytes):
    return client.post("/api/messages", content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b'{"sender": "a", "text": ""}', 422, "'text' is empty"),
        (b'{"sender": "a", "text": "   "}', 422, "'text' is empty"),
        (b'{"sender": "a"}', 422, "'text' is missing"),
        (b'{"text": "hi"}', 422, "'sender' is missing"),
        (b'{"sender": "", "text": "hi"}', 422, "'sender' must be"),
        (b'{"sender": "a b", "text": "hi"}', 422, "'sender' must be"),
        (b'{"sender": 5, "text": "hi"}', 422, "'sender' must be"),
        (b'{"sender": "a", "text": 5}', 422, "'text' must be a string"),
        (b'{"sender": "a", "text": "hi", "lang": "de"}', 422, "'lang' must be one of fr, nl, en"),
        (b'["sender", "text"]', 422, "must be a JSON object"),
        (b'{"sender": "a", "text": "hi"', 400, "not valid JSON"),
        (b"", 400, "not valid JSON"),
        (b'{"sender": "a", "text": "\xff\xfe"}', 400, "not valid UTF-8"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_reason(client, body, status, reason):
    response = post(client, body)
    assert response.status_code == status
    assert reason in response.json()["error"]


def test_ten_thousand_characters_are_refused_with_a_reason(client):
    response = client.post("/api/messages", json={"sender": "a", "text": "x" * 10_000})
    assert response.status_code == 413
    assert str(MAX_TEXT_CHARS) in response.json()["error"]


@pytest.mark.parametrize(
    ("message", "lang", "expected_lang"),
    [
        ("bonjour", None, "fr"),
        ("hoi, wanneer begint het", None, "nl"),
        ("hello", "en", "en"),
        ("ok", "nl", "nl"),
    ],
)
def test_engine_down_gives_a_polite_message_in_the_persons_language(
    client, message, lang, expected_lang
):
    body = {"sender": "person-1", "text": message}
    if lang:
        body["lang"] = lang
    response = client.post("/api/messages", json=body)
    assert response.status_code == 200
    assert response.json() == {
        "messages": [{"text": text("unavailable", expected_lang), "buttons": []}]
    }


def test_health_is_503_and_names_what_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["engine"] == "down"
    assert response.json()["action_server"] == "down"
    assert response.json()["database"] == "ok"
