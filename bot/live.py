"""Live updates inside one gateway process: a widget's socket and the console's pages subscribe
to topics, the relay publishes to them.

Topics: `conversation:<id>` (what a person's open widget must show), `console` (queues and
handoffs changed; each event names its team). Several gateways will share these through Redis
(the scale-out issue); until then a gateway serves the pages connected to it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

logger = logging.getLogger(__name__)

# A subscriber that stops reading (a frozen tab) must not hold the gateway's memory.
QUEUE_SIZE = 100
CONSOLE = "console"


def conversation_topic(conversation_id: str) -> str:
    return f"conversation:{conversation_id}"


class Subscription:
    """One subscriber's queue of events."""

    def __init__(self, hub: Hub, topic: str):
        self.hub, self.topic = hub, topic
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)

    async def get(self) -> dict[str, Any]:
        return await self.queue.get()

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

    def subscribe(self, topic: str) -> Subscription:
        """Events of `topic` from now on, until the subscription is closed (or its `with` ends)."""
        subscription = Subscription(self, topic)
        self._subscribers[topic].add(subscription.queue)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        queues = self._subscribers.get(subscription.topic)
        if queues is not None:
            queues.discard(subscription.queue)
            if not queues:
                del self._subscribers[subscription.topic]

    def publish(self, topic: str, event: dict[str, Any]) -> int:
        """Hand `event` to every subscriber of `topic`; says how many got it."""
        delivered = 0
        for queue in list(self._subscribers.get(topic, ())):
            try:
                queue.put_nowait(event)
                delivered += 1
            except asyncio.QueueFull:
                logger.warning("a live subscriber is not reading: event dropped")
        return delivered

    def has_subscribers(self, topic: str) -> bool:
        return bool(self._subscribers.get(topic))
