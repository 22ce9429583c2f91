"""A lease in Redis: one gateway at a time does a job that must not run twice (Telegram's long
polling: two pollers would each get, and answer, the same updates).

The holder renews the lease well before it expires; if the holder dies, the lease expires and
another gateway takes it over. Only the holder can renew or release it (a compare-and-set in a
Lua script), so a holder that lost it, paused too long, cannot take it back from the new one.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

logger = logging.getLogger(__name__)

# Only the holder may renew or release (a holder that lost it must not take or free another's);
# the engines' conversation lock (engine/lock_store.py) uses the same two.
RENEW_IF_HOLDER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
RELEASE_IF_HOLDER = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease:
    """One named lease; `holds()` is called every `ttl_seconds / 3` by the job's loop."""

    def __init__(self, redis_url: str, name: str, ttl_seconds: float = 15.0):
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(
            redis_url, socket_timeout=2, socket_connect_timeout=2
        )
        self.key = f"guidance:lease:{name}"
        self.ttl_ms = int(ttl_seconds * 1000)
        self.holder = secrets.token_hex(8)
        self.held = False

    async def holds(self) -> bool:
        """Take the lease if it is free, renew it if it is ours; says whether it is ours now.
        When Redis cannot be reached, whoever held it goes on holding it: nobody else can take
        it meanwhile."""
        try:
            if self.held:
                self.held = bool(
                    await self._redis.eval(RENEW_IF_HOLDER, 1, self.key, self.holder, self.ttl_ms)
                )
            if not self.held:
                self.held = bool(
                    await self._redis.set(self.key, self.holder, nx=True, px=self.ttl_ms)
                )
        except Exception as exc:
            logger.warning("lease %s: Redis unreachable (%s)", self.key, type(exc).__name__)
        return self.held

    async def release(self) -> None:
        try:
            if self.held:
                await self._redis.eval(RELEASE_IF_HOLDER, 1, self.key, self.holder)
        except Exception as exc:
            logger.warning("lease %s not released: %s", self.key, type(exc).__name__)
        finally:
            self.held = False
            await self._redis.aclose()
