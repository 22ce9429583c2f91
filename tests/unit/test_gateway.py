"""The gateway's contract: clear 4xx answers for bad input, a polite message when the engine is down."""

import pytest
from fastapi.testclient import TestClient

from bot.channels.validation import MAX_TEXT_CHARS
from bot.i18n import text
from bot.runner import free_port
from bot.settings import Settings
from bot.web.app import create_app

API_KEY = "an integration's key"
KEYED = {"authorization": f"Bearer {API_KEY}"}


def settings_without_engine(tmp_path, **extra) -> Settings:
    """Nothing listens on these ports: the engine and action server are down."""
    return Settings(
        **{
            "database_url": f"sqlite:///{tmp_path / 'g.db'}",
            "engine_port": free_port(),
            "action_port": free_port(),
            "engine_token": "t",
            "engine_timeout_seconds": 2,
            "var_dir": tmp_path,
            "api_keys": (API_KEY,),
            **extra,
        }
    )


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(settings_without_engine(tmp_path))) as test_client:
        yield test_client


def post(client, body: bytes, headers: dict[str, str] = KEYED):
    return client.post(
        "/api/messages", content=body, headers={"content-type": "application/json", **headers}
    )


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
        (b'{"sender": "a", "text": "hi", "lang_hint": "xx"}', 422, "'lang_hint' must be one of"),
        (b'{"sender": "telegram-42", "text": "hi"}', 422, "belong to Telegram"),
        (b'{"sender": "a\\n", "text": "hi"}', 422, "'sender' must be"),
        (b'{"sender": "a", "text": "hi \\ud800"}', 422, "not valid Unicode"),
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
    response = client.post("/api/messages", json=body, headers=KEYED)
    assert response.status_code == 200
    assert response.json() == {
        "messages": [{"text": text("unavailable", expected_lang), "buttons": []}],
        "language": None,
    }


def test_health_is_503_and_names_what_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["engine"] == "down"
    assert response.json()["action_server"] == "down"
    assert response.json()["database"] == "ok"


@pytest.mark.parametrize(
    "conversation_id",
    ["telegram-42", "web-short", "person-1", "web-" + "a" * 65, "web-" + "a" * 24 + "%0A"],
)
def test_only_web_conversations_can_be_read_back(client, conversation_id):
    response = client.get(f"/api/conversations/{conversation_id}")
    assert response.status_code == 422
    assert "conversation id" in response.json()["error"]


def test_reading_a_conversation_while_the_engine_is_down_says_so(client):
    started = client.post("/api/conversations").json()
    response = client.get(
        f"/api/conversations/{started['conversation_id']}",
        headers={"x-conversation-token": started["token"]},
    )
    assert response.status_code == 503
    assert "unavailable" in response.json()["error"]


def test_the_demo_page_embeds_the_widget_with_one_line(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<script src="/widget.js" data-lang="fr" defer></script>' in page.text
    widget = client.get("/widget.js")
    assert widget.status_code == 200
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in widget.text


def test_the_websocket_refuses_pages_from_other_origins(client):
    from starlette.websockets import WebSocketDisconnect

    for headers in ({"origin": "https://evil.example"}, {}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/ws", headers=headers),
        ):
            pass
        assert refused.value.code == 1008


def test_the_websocket_answers_bad_frames_with_a_reason_and_stays_open(client):
    origin = {"origin": "http://127.0.0.1:8000"}
    with client.websocket_connect("/ws", headers=origin) as socket:
        socket.send_text("{not json")
        assert "not valid JSON" in socket.receive_json()["reason"]
        socket.send_json({"type": "message", "text": "hi"})
        assert socket.receive_json() == {"type": "error", "reason": "send a hello frame first"}
        socket.send_json({"type": "hello", "conversation_id": "telegram-42", "token": "x"})
        assert "conversation id" in socket.receive_json()["reason"]
        socket.send_json({"type": "dance"})
        assert "'type' must be" in socket.receive_json()["reason"]
        # A conversation id without its token: another browser's.
        socket.send_json({"type": "hello", "conversation_id": "web-" + "b" * 24, "lang": "nl"})
        assert socket.receive_json()["code"] == "unknown_conversation"
        # A new conversation, issued by the server with its token.
        socket.send_json({"type": "hello", "lang": "nl"})
        history = socket.receive_json()
        assert history["conversation_id"].startswith("web-") and history["token"]
        assert history["messages"] == []
        socket.send_json({"type": "message", "text": "hoi"})
        assert socket.receive_json() == {"type": "typing"}
        reply = socket.receive_json()
        assert reply["messages"][0]["text"] == text("unavailable", "nl")


def test_the_websocket_closes_a_flood_with_a_reason(client):
    from starlette.websockets import WebSocketDisconnect

    from bot.channels.web import BURST

    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        for _ in range(BURST):
            socket.send_json({"type": "dance"})
            socket.receive_json()
        socket.send_json({"type": "dance"})
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 1008
    assert closed.value.reason == "too many messages: slow down"


def test_the_websocket_closes_on_a_frame_too_big(client):
    from starlette.websockets import WebSocketDisconnect

    from bot.channels.validation import MAX_FRAME_BYTES

    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        socket.send_text("x" * (MAX_FRAME_BYTES + 1))
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 1009


def test_a_telegram_bot_that_cannot_start_leaves_the_web_channels_running(tmp_path):
    settings = settings_without_engine(
        tmp_path,
        telegram_token="123:not-a-real-token",
        # Nothing listens there: getMe fails as with a wrong address or no network.
        telegram_api_url=f"http://127.0.0.1:{free_port()}/bot",
    )
    with TestClient(create_app(settings)) as client:
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["telegram"] == "down"
        assert client.get("/").status_code == 200


DEEP = b'{"sender":"a","text":"hi","x":' + b"[" * 1000 + b"]" * 1000 + b"}"
LONG_NUMBER = b'{"sender":"a","text":"hi","x":' + b"9" * 5000 + b"}"


@pytest.mark.parametrize(
    ("body", "reason"),
    [(DEEP, "nested too deeply"), (LONG_NUMBER, "number too long")],
)
def test_small_bodies_that_once_gave_500_get_a_400_and_a_reason(client, body, reason, caplog):
    assert len(body) < 6_000
    response = post(client, body)
    assert response.status_code == 400 and reason in response.json()["error"]
    assert "Traceback" not in caplog.text
    # The gateway keeps answering, and the websocket keeps its connection.
    assert post(client, b'{"sender": "a"}').status_code == 422
    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        socket.send_text(body.decode())
        assert reason in socket.receive_json()["reason"]
        socket.send_json({"type": "dance"})
        assert "'type' must be" in socket.receive_json()["reason"]


def test_a_body_too_big_is_refused_before_it_is_read_whole(client):
    from bot.channels.validation import MAX_BODY_BYTES

    declared = client.post(
        "/api/messages",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert declared.status_code == 413

    sent: list[int] = []

    def chunks():
        # No declared length: refused at the chunk that crosses the limit, not at the end.
        for number in range(1_000):
            sent.append(number)
            yield b"x" * 10_000

    streamed = client.post(
        "/api/messages", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413 and "larger than" in streamed.json()["error"]


def test_no_api_documentation_and_security_headers(client, tmp_path):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404
    page = client.get("/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert post(client, b"{}").headers["x-content-type-options"] == "nosniff"
    with TestClient(create_app(settings_without_engine(tmp_path, api_docs=True))) as documented:
        assert documented.get("/openapi.json").status_code == 200


def test_web_conversations_belong_to_the_browser_holding_their_token(client):
    """The finding: two callers using the same id saw each other's conversation."""
    started = client.post("/api/conversations")
    assert started.status_code == 201
    mine, token = started.json()["conversation_id"], started.json()["token"]
    assert mine != client.post("/api/conversations").json()["conversation_id"]
    for headers in ({}, {"x-conversation-token": "guess"}):
        refused = client.get(f"/api/conversations/{mine}", headers=headers)
        assert refused.status_code == 403 and "token" in refused.json()["error"]
    without = client.post("/api/messages", json={"sender": mine, "text": "hi"})
    assert without.status_code == 403
    wrong = client.post("/api/messages", json={"sender": mine, "text": "hi", "token": token + "x"})
    assert wrong.status_code == 403
    spoken = client.post("/api/messages", json={"sender": mine, "text": "hi", "token": token})
    assert spoken.status_code == 200  # the engine is down: the polite notice
    with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as socket:
        socket.send_json({"type": "hello", "conversation_id": mine, "token": token})
        assert socket.receive_json()["type"] == "history"


def test_conversations_of_an_integrations_own_need_its_api_key(client):
    body = {"sender": "me", "text": "hi"}
    assert client.post("/api/messages", json=body).status_code == 401
    bad = client.post("/api/messages", json=body, headers={"authorization": "Bearer nope"})
    assert bad.status_code == 401 and "API key" in bad.json()["error"]
    assert client.post("/api/messages", json=body, headers=KEYED).status_code == 200


def test_without_api_keys_configured_one_is_made_once(tmp_path):
    settings = settings_without_engine(tmp_path, api_keys=())
    made = settings.effective_api_keys()
    assert len(made) == 1 and len(made[0]) >= 32
    assert settings_without_engine(tmp_path, api_keys=()).effective_api_keys() == made


def test_a_burst_gets_429_with_retry_after_and_a_new_socket_does_not_reset_it(tmp_path):
    """The findings: 100 concurrent POSTs from one client all answered; three sockets in a row
    on one conversation got 27 replies in a second instead of 9."""
    settings = settings_without_engine(
        tmp_path, rate_limit_client="5/minute", rate_limit_conversation="3/minute"
    )
    with TestClient(create_app(settings)) as client:
        started = client.post("/api/conversations").json()
        mine = {"sender": started["conversation_id"], "token": started["token"], "text": "hi"}
        codes = [client.post("/api/messages", json=mine).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.post("/api/messages", json=mine)
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "too many messages" in refused.json()["error"]
        # Other sockets on the same conversation: still refused, nothing reaches the engine.
        for _ in range(2):
            with client.websocket_connect("/ws", headers={"origin": "http://127.0.0.1:8000"}) as ws:
                ws.send_json(
                    {"type": "hello", "conversation_id": mine["sender"], "token": mine["token"]}
                )
                assert ws.receive_json()["type"] == "history"
                ws.send_json({"type": "message", "text": "again"})
                frame = ws.receive_json()
                assert frame["type"] == "error" and frame["retry_after"] >= 1
        # The address is limited too, whatever conversation: 5 a minute were spent above.
        other = client.post("/api/conversations").json()
        body = {"sender": other["conversation_id"], "token": other["token"], "text": "hi"}
        assert client.post("/api/messages", json=body).status_code == 429
        # A keyed integration speaks for many people: its address is not limited.
        keyed = client.post("/api/messages", json={"sender": "crm-1", "text": "hi"}, headers=KEYED)
        assert keyed.status_code == 200


def test_the_client_address_comes_from_a_trusted_proxy_only():
    from bot.rate_limits import client_address

    behind = Settings(trusted_proxies=("10.0.0.2",))
    assert client_address("10.0.0.2", "203.0.113.7, 198.51.100.9", behind) == "198.51.100.9"
    # Anyone else's X-Forwarded-For is typed by the client: ignored.
    assert client_address("203.0.113.50", "1.2.3.4", behind) == "203.0.113.50"
    assert client_address("10.0.0.2", None, behind) == "10.0.0.2"


def test_a_proxy_range_is_trusted_and_its_own_header_wins_over_the_clients():
    from bot.rate_limits import client_address

    cluster = Settings(trusted_proxies=("10.42.0.0/16",))
    # HAProxy adds its header after the one the client typed: the last hop is the real one.
    headers = ["6.6.6.6", "198.51.100.9"]
    assert client_address("10.42.7.3", headers, cluster) == "198.51.100.9"
    assert client_address("10.43.0.1", headers, cluster) == "10.43.0.1"
    assert client_address("10.42.7.3", [], cluster) == "10.42.7.3"
