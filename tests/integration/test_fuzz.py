"""Fuzzing the gateway's doors, bounded (a fixed number of generated cases, derandomized so a
failure reproduces): JSON bodies of every shape on `POST /api/messages`, frames on the widget's
websocket, updates on the Telegram webhook, forms on the console. Never a 5xx, never a crash,
and the gateway answers normally afterwards."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.db.migrate import upgrade
from bot.fakes.telegram_api import TOKEN, FakeTelegram
from bot.runner import free_port
from bot.settings import Settings
from bot.web.app import TELEGRAM_SECRET_HEADER, create_app

CASES = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KEY = "fuzz-key"

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=60)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
# Objects with the keys the gateway reads, holding anything, and anything at all.
message_bodies = st.fixed_dictionaries(
    {},
    optional={
        "sender": json_values | st.sampled_from(["me", "web-x", "telegram-1", "a" * 200]),
        "text": json_values,
        "lang": json_values | st.sampled_from(["fr", "nl", "en", "de"]),
        "lang_hint": json_values,
        "token": json_values,
        "source": json_values,
    },
)


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def client(tmp_path_factory, fake_telegram) -> Iterator[TestClient]:
    workdir = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{workdir / 'fuzz.db'}"
    upgrade(url)
    app = create_app(
        Settings(
            database_url=url,
            engine_port=free_port(),
            action_port=free_port(),
            engine_timeout_seconds=1,
            var_dir=workdir,
            api_keys=(KEY,),
            rate_limit_client="100000/minute",
            rate_limit_conversation="100000/minute",
            telegram_token=TOKEN,
            telegram_api_url=fake_telegram.base_url,
            telegram_webhook_url="https://bot.example.org/telegram/webhook",
        )
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def still_answers(client: TestClient) -> None:
    response = client.post(
        "/api/messages",
        json={"sender": "after-fuzz", "text": "hello"},
        headers={"authorization": f"Bearer {KEY}"},
    )
    assert response.status_code == 200


@CASES
@given(body=message_bodies | json_values)
def test_any_json_body_on_the_api_gets_an_answer_not_a_5xx(client, body):
    response = client.post(
        "/api/messages",
        content=json.dumps(body),
        headers={"content-type": "application/json", "authorization": f"Bearer {KEY}"},
    )
    assert response.status_code < 500, response.text


@CASES
@given(raw=st.binary(max_size=300))
# The two small bodies that once gave a 500: deep nesting, and an integer of 5,000 digits.
@example(raw=b'{"sender":"a","text":"hi","x":' + b"[" * 1000 + b"]" * 1000 + b"}")
@example(raw=b'{"sender":"a","text":"hi","x":' + b"9" * 5000 + b"}")
def test_any_bytes_on_the_api_get_a_4xx(client, raw):
    response = client.post("/api/messages", content=raw)
    assert 400 <= response.status_code < 500
    still_answers(client)


@CASES
@given(frames=st.lists(message_bodies | json_values | st.text(max_size=80), min_size=1, max_size=5))
def test_any_frames_on_the_websocket_leave_it_open_or_closed_politely(client, frames):
    from starlette.websockets import WebSocketDisconnect

    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        for frame in frames:
            socket.send_text(frame if isinstance(frame, str) else json.dumps(frame))
            try:
                answer = socket.receive_json()
            except WebSocketDisconnect as closed:
                assert closed.code in (1000, 1008, 1009), closed.code
                return
            assert answer["type"] in ("error", "history", "typing", "reply")
            if answer["type"] == "typing":
                assert socket.receive_json()["type"] == "reply"


@CASES
@given(update=json_values)
def test_any_update_on_the_telegram_webhook_gets_an_answer_not_a_5xx(client, update):
    channel = client.app.state.telegram
    assert channel is not None
    response = client.post(
        "/telegram/webhook",
        content=json.dumps(update),
        headers={TELEGRAM_SECRET_HEADER: channel.webhook_secret},
    )
    assert response.status_code < 500, response.text


@CASES
@given(
    form=st.dictionaries(st.sampled_from(["csrf", "email", "password", "text", "team"]), st.text()),
    path=st.sampled_from(
        ["/console/login", "/console/logout", "/console/handoffs/1/reply", "/console/referrals"]
    ),
)
def test_any_console_form_gets_an_answer_not_a_5xx(client, form, path):
    response = client.post(path, data=form, follow_redirects=False)
    assert response.status_code < 500, response.text
