"""Rate limits shared between gateways through Redis (the machine's server at 127.0.0.1:6379):
a conversation over its limit on one gateway is over it on the other."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.rate_limits import RateLimits
from bot.runner import free_port
from bot.settings import Settings
from bot.web.app import create_app


def gateway(tmp_path, redis_url: str) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'g.db'}",
        engine_port=free_port(),
        action_port=free_port(),
        engine_timeout_seconds=2,
        var_dir=tmp_path,
        rate_limit_conversation="3/minute",
        rate_limit_storage=redis_url,
    )
    return TestClient(create_app(settings))


def test_two_gateways_share_a_conversations_count(tmp_path, redis_url):
    with gateway(tmp_path, redis_url) as first, gateway(tmp_path, redis_url) as second:
        started = first.post("/api/conversations").json()
        body = {"sender": started["conversation_id"], "token": started["token"], "text": "hi"}
        codes = [
            (first if turn % 2 else second).post("/api/messages", json=body).status_code
            for turn in range(4)
        ]
    assert codes == [200, 200, 200, 429]


def test_an_unreachable_store_serves_rather_than_refuses_everybody(tmp_path):
    limits = RateLimits(Settings(var_dir=tmp_path, rate_limit_storage="redis://127.0.0.1:1/0"))
    assert limits.take("203.0.113.9", "web-x") is None
