"""Long polling behind several gateways: exactly one of them polls Telegram (two pollers would
each take, and answer, the same updates), and another takes over when it stops. The gateways'
bots run against the local fake of the Bot API and the machine's Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.channels.telegram import TelegramChannel
from bot.engine_client import EngineClient
from bot.fakes.telegram_api import TOKEN, FakeTelegram
from bot.i18n import text
from bot.runner import free_port
from bot.settings import Settings


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    api = FakeTelegram().start()
    yield api
    api.stop()


async def until(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_gateway_polls_and_another_takes_over_when_it_stops(
    fake, redis_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(TelegramChannel, "POLLING_LEASE_SECONDS", 0.6)
    settings = Settings(
        telegram_token=TOKEN, telegram_api_url=fake.base_url, redis_url=redis_url,
        var_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'g.db'}",
    )  # fmt: skip
    # No engine listens: every message gets the polite "unavailable", from whichever polls.
    engine = EngineClient(f"http://127.0.0.1:{free_port()}", "t", timeout=2)
    gateways = [TelegramChannel(settings, engine), TelegramChannel(settings, engine)]
    try:
        for gateway in gateways:
            await gateway.start()
        await until(lambda: any(g.polls for g in gateways))
        await asyncio.sleep(1.5)  # several renewals: still one poller
        assert [g.polls for g in gateways].count(True) == 1
        fake.send_text(501, "bonjour", "fr")
        await until(lambda: len(fake.sent(501)) >= 1)
        await asyncio.sleep(1.0)
        assert [m["text"] for m in fake.sent(501)] == [text("unavailable", "fr")]

        poller = next(g for g in gateways if g.polls)
        await poller.stop()
        other = next(g for g in gateways if g is not poller)
        await until(lambda: other.polls, timeout=5)
        fake.send_text(502, "hello", "en")
        await until(lambda: len(fake.sent(502)) >= 1)
        await asyncio.sleep(1.0)
        assert [m["text"] for m in fake.sent(502)] == [text("unavailable", "en")]
    finally:
        for gateway in gateways:
            if gateway.application.running or gateway.polls:
                await gateway.stop()
        await engine.aclose()
