"""How much one client address and one conversation may send, shared by every channel (REST,
the widget's websocket, Telegram) and, with Redis (REDIS_URL, or RATE_LIMIT_STORAGE=redis://…),
by every gateway: reconnecting or switching channel does not reset the count.

Moving windows from the `limits` library; in memory when no storage is configured (one
gateway). A refusal says how long to wait, for `Retry-After`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """Too many messages: wait this many seconds."""

    retry_after: int


class RateLimits:
    """One per gateway process."""

    def __init__(self, settings: Settings):
        url = settings.effective_rate_limit_storage
        # A Redis that stops answering must cost a message seconds, not hang it.
        shared = url.startswith(("redis://", "rediss://", "redis+"))
        options = {"socket_timeout": 2, "socket_connect_timeout": 2} if shared else {}
        storage = storage_from_string(url, **options)
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_client: RateLimitItem = parse(settings.rate_limit_client)
        self._per_conversation: RateLimitItem = parse(settings.rate_limit_conversation)

    async def check(self, client: str | None, conversation: str | None) -> Refusal | None:
        """`take` off the event loop: a shared store is a network round trip."""
        return await asyncio.to_thread(self.take, client, conversation)

    def take(self, client: str | None, conversation: str | None) -> Refusal | None:
        """Count one message from `client` in `conversation`; a Refusal when either is over
        its limit (the message must not reach the engine)."""
        for item, key in (
            (self._per_client, client),
            (self._per_conversation, conversation),
        ):
            if key is None:
                continue
            try:
                allowed = self._limiter.hit(item, "guidance", key)
            except Exception as exc:
                # The shared store is down: serve rather than refuse everybody.
                logger.warning("rate limit store unreachable: %s", type(exc).__name__)
                return None
            if not allowed:
                reset = self._limiter.get_window_stats(item, "guidance", key).reset_time
                return Refusal(max(1, math.ceil(reset - time.time())))
        return None


def client_address(
    peer: str | None, forwarded_for: list[str] | str | None, settings: Settings
) -> str | None:
    """The client's address: the peer's, or the last address a trusted proxy (TRUSTED_PROXIES:
    addresses or ranges such as 10.0.0.0/8) added to X-Forwarded-For. Anyone else's
    X-Forwarded-For is ignored: it is typed by the client. `forwarded_for` is every
    X-Forwarded-For header in order: a proxy may add its own after one the client sent."""
    if not forwarded_for or not _trusted(peer, settings.trusted_proxies):
        return peer
    headers = [forwarded_for] if isinstance(forwarded_for, str) else forwarded_for
    hops = [hop.strip() for header in headers for hop in header.split(",") if hop.strip()]
    return hops[-1] if hops else peer


def _trusted(peer: str | None, proxies: tuple[str, ...]) -> bool:
    if peer is None:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer in proxies
    for proxy in proxies:
        try:
            if address in ipaddress.ip_network(proxy, strict=False):
                return True
        except ValueError:
            continue
    return False
