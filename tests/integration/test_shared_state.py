"""What gateways share through Redis (the machine's server): live events for widgets and
consoles connected to another gateway, and the lease that lets one gateway alone poll Telegram."""

from __future__ import annotations

import asyncio

from bot.channels.chat_memory import ChatMemory
from bot.lease import Lease
from bot.live import Hub, SharedHub, conversation_topic, hub_for


async def started(*hubs: SharedHub) -> None:
    for hub in hubs:
        await hub.start()


async def test_an_event_published_on_one_gateway_reaches_a_page_on_another(redis_url):
    first, second = SharedHub(redis_url), SharedHub(redis_url)
    await started(first, second)
    try:
        topic = conversation_topic("web-abc")
        assert await first.publish(topic, {"type": "reply", "n": 0}) == 0  # nobody listens
        with second.subscribe(topic) as page:
            await page.ready()
            assert await first.publish(topic, {"type": "reply", "n": 1}) == 1
            assert await asyncio.wait_for(page.get(), 5) == {"type": "reply", "n": 1}
        # The page left: Redis no longer counts the second gateway for this topic.
        for _ in range(50):
            if await first.publish(topic, {"type": "reply", "n": 2}) == 0:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the second gateway still listens after its page left")
    finally:
        await first.stop()
        await second.stop()


async def test_two_pages_on_one_gateway_count_as_one_gateway_and_both_get_the_event(redis_url):
    publisher, pages_gateway = SharedHub(redis_url), SharedHub(redis_url)
    await started(publisher, pages_gateway)
    try:
        with pages_gateway.subscribe("console") as one, pages_gateway.subscribe("console") as two:
            await one.ready()
            await two.ready()
            assert await publisher.publish("console", {"kind": "opened", "team": "becode"}) == 1
            got = await asyncio.gather(one.get(), two.get())
            assert got == [{"kind": "opened", "team": "becode"}] * 2
    finally:
        await publisher.stop()
        await pages_gateway.stop()


async def test_without_redis_a_gateways_own_pages_still_get_its_events():
    hub = SharedHub("redis://127.0.0.1:1/0")
    await hub.start()
    try:
        assert not await hub.is_up()
        with hub.subscribe("console") as page:
            assert await hub.publish("console", {"kind": "claim"}) == 1
            assert await asyncio.wait_for(page.get(), 5) == {"kind": "claim"}
    finally:
        await hub.stop()


async def test_one_gateway_without_redis_uses_the_in_process_hub():
    hub = hub_for("")
    assert type(hub) is Hub
    with hub.subscribe("console") as page:
        await page.ready()
        assert await hub.publish("console", {"kind": "x"}) == 1
        assert page.queue.get_nowait() == {"kind": "x"}


async def test_one_holder_at_a_time_and_another_takes_over_when_it_stops_renewing(redis_url):
    first = Lease(redis_url, "telegram-polling", ttl_seconds=0.5)
    second = Lease(redis_url, "telegram-polling", ttl_seconds=0.5)
    try:
        assert await first.holds()
        assert not await second.holds()
        assert await first.holds()  # renewed
        await asyncio.sleep(0.8)  # the first holder froze past the lease
        assert await second.holds()
        # The first cannot renew what is now the second's.
        assert not await first.holds()
        assert await second.holds()
    finally:
        await first.release()
        await second.release()


async def test_a_released_lease_is_free_at_once(redis_url):
    first = Lease(redis_url, "job", ttl_seconds=30)
    second = Lease(redis_url, "job", ttl_seconds=30)
    try:
        assert await first.holds()
        await first.release()
        assert await second.holds()
    finally:
        await second.release()


async def test_a_button_sent_by_one_gateway_is_pressed_once_through_another(redis_url):
    sender = ChatMemory(redis_url, "conversation-key")
    other = ChatMemory(redis_url, "conversation-key")
    try:
        await sender.keep_keyboards(42, {"ab12": ["/affirm", "/deny"], "cd34": ["/stop"]})
        assert await other.spend(42, "cd34") == ["/stop"]
        # Spent: the same press again, or one of the other keyboard, finds nothing anywhere.
        assert await sender.spend(42, "cd34") is None
        assert await other.spend(42, "ab12") is None
        await other.remember_language(42, "nl")
        assert await sender.language(42) == "nl"
        # The chat id is not in Redis, only its keyed hash.
        import redis

        keys = redis.Redis.from_url(redis_url).keys("guidance:telegram:*")
        assert keys and all(len(key.split(b":")[2]) == 24 for key in keys)
    finally:
        await sender.aclose()
        await other.aclose()


async def test_one_gateway_remembers_its_buttons_without_redis():
    memory = ChatMemory()
    await memory.keep_keyboards(7, {"ab12": ["/affirm"]})
    assert await memory.spend(7, "zz99") is None  # an older keyboard: nothing, nothing spent
    assert await memory.spend(7, "ab12") == ["/affirm"]
    assert await memory.spend(7, "ab12") is None
