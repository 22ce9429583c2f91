"""Live updates: a widget's socket and the console's pages subscribe to topics, the relay
publishes to them.

Topics: `conversation:<id>` (what a person's open widget must show), `console` (queues and
handoffs changed; each event names its team). `Hub` serves one gateway; `SharedHub` carries
the same events between gateways through Redis pub/sub (REDIS_URL), so a counsellor's reply
reaches a widget connected to another gateway than the counsellor's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from contextlib import suppress
from typing import Any

logger = logging.getLogger(__name__)

# A subscriber that stops reading (a frozen tab) must not hold the gateway's memory.
QUEUE_SIZE = 100
CONSOLE = "console"
# How long a new subscriber waits for Redis to confirm it listens before going on anyway.
READY_SECONDS = 2.0


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class Subscription:
    """One subscriber's queue of events."""

    def __init__(self, hub: Hub, topic: str):
        self.hub, self.topic = hub, topic
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)

    async def get(self) -> dict[str, Any]:
        return await self.queue.get()

    async def ready(self) -> None:
        """Returns once events published anywhere from now on will reach this subscription."""
        await self.hub._listening(self.topic)

    def close(self) -> None:
        self.hub._unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class Hub:
    """Publish/subscribe between the tasks of one process; events are small dicts."""

    def __init__(self) -> None:
        self._subscribers: defaultdict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def start(self) -> None:
        """Nothing to connect to for one process."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    async def is_up(self) -> bool:
        return True

    def subscribe(self, topic: str) -> Subscription:
        """Events of `topic` from now on, until the subscription is closed (or its `with` ends)."""
        subscription = Subscription(self, topic)
        first = not self._subscribers.get(topic)
        self._subscribers[topic].add(subscription.queue)
        if first:
            self._first_subscriber(topic)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        queues = self._subscribers.get(subscription.topic)
        if queues is not None:
            queues.discard(subscription.queue)
            if not queues:
                del self._subscribers[subscription.topic]
                self._last_subscriber_gone(subscription.topic)

    def _first_subscriber(self, topic: str) -> None:
        """Hook for a hub that must listen elsewhere for this topic."""

    def _last_subscriber_gone(self, topic: str) -> None:
        """Hook for a hub that listens elsewhere for this topic."""

    async def _listening(self, topic: str) -> None:
        """In one process, a subscriber hears everything from the moment it subscribes."""

    async def publish(self, topic: str, event: dict[str, Any]) -> int:
        """Hand `event` to every subscriber of `topic`; says how many got it."""
        return self._deliver_here(topic, event)

    def _deliver_here(self, topic: str, event: dict[str, Any]) -> int:
        delivered = 0
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
                delivered += 1
            except asyncio.QueueFull:
                logger.warning("a live subscriber is not reading: event dropped")
        return delivered


class SharedHub(Hub):
    """A Hub whose events cross gateways through Redis pub/sub.

    A gateway listens on a topic's Redis channel only while one of its own pages subscribes to
    it, so Redis tells the publisher how many gateways had someone listening (`publish`'s
    count is gateways, not pages). When Redis is unreachable, events still reach this
    gateway's own pages, and the listener reconnects and listens again by itself.
    """

    PREFIX = "guidance:live:"

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(
            redis_url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30
        )
        self._pubsub = self._redis.pubsub()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._listener: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        self._listener = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        tasks = [t for t in (self._listener, *self._pending) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(BaseException):
                await task
        with suppress(Exception):
            await self._pubsub.aclose()
        with suppress(Exception):
            await self._redis.aclose()

    async def is_up(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    def _channel(self, topic: str) -> str:
        return self.PREFIX + topic

    def _in_background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _first_subscriber(self, topic: str) -> None:
        self._confirmed[topic] = asyncio.Event()
        self._in_background(self._redis_command("subscribe", topic))

    def _last_subscriber_gone(self, topic: str) -> None:
        self._confirmed.pop(topic, None)
        self._in_background(self._redis_command("unsubscribe", topic))

    async def _redis_command(self, command: str, topic: str) -> None:
        try:
            await getattr(self._pubsub, command)(self._channel(topic))
        except Exception as exc:
            # The listener subscribes again to every topic when it reconnects.
            logger.warning("live events: %s failed: %s", command, type(exc).__name__)

    async def _listening(self, topic: str) -> None:
        confirmed = self._confirmed.get(topic)
        if confirmed is not None:
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(confirmed.wait(), READY_SECONDS)

    async def publish(self, topic: str, event: dict[str, Any]) -> int:
        try:
            return int(await self._redis.publish(self._channel(topic), json.dumps(event)))
        except Exception as exc:
            logger.warning("live events: Redis unreachable (%s), here only", type(exc).__name__)
            return self._deliver_here(topic, event)

    async def _listen(self) -> None:
        """Hand what Redis brings to this gateway's subscribers, for as long as the gateway
        runs; after a lost connection, listen again to the topics subscribed meanwhile."""
        reconnected = False
        while True:
            try:
                if reconnected:
                    # A reconnected pubsub has forgotten its channels: name them again.
                    topics = list(self._subscribers)
                    if topics:
                        await self._pubsub.subscribe(*map(self._channel, topics))
                    reconnected = False
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.1)
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("live events: Redis connection lost (%s)", type(exc).__name__)
                with suppress(Exception):
                    await self._pubsub.reset()
                self._pubsub = self._redis.pubsub()
                reconnected = True
                await asyncio.sleep(0.5)
                continue
            if message is not None:
                self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        channel = message.get("channel")
        if isinstance(channel, bytes):
            channel = channel.decode()
        if not isinstance(channel, str) or not channel.startswith(self.PREFIX):
            return
        topic = channel[len(self.PREFIX) :]
        if message.get("type") == "subscribe":
            confirmed = self._confirmed.get(topic)
            if confirmed is not None:
                confirmed.set()
            return
        if message.get("type") != "message":
            return
        try:
            event = json.loads(message["data"])
        except (TypeError, ValueError):
            logger.warning("live events: an unreadable event was ignored")
            return
        if isinstance(event, dict):
            self._deliver_here(topic, event)


def hub_for(redis_url: str) -> Hub:
    """The hub of one gateway: shared through Redis when REDIS_URL is set."""
    return SharedHub(redis_url) if redis_url else Hub()
