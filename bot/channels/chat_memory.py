"""What the Telegram bot remembers of a chat between two updates: the buttons of its latest
reply (a press brings back only a token and an index, as payloads do not fit in Telegram's 64
bytes of callback data) and the conversation's language (for the notices that do not go through
the engine).

In this process for one gateway; also in Redis (REDIS_URL) when several gateways take a chat's
updates in turn (webhook mode behind a load balancer), so a press reaching another gateway than
the one that sent the keyboard still works. Redis keys name a chat by an HMAC, never by its id,
and expire with the conversation's retention.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

# Takes the keyboard whose token was pressed, and forgets every keyboard of the chat with it:
# a second press, on any gateway, finds nothing.
_SPEND = """
local payloads = redis.call('hget', KEYS[1], ARGV[1])
if payloads then redis.call('del', KEYS[1]) end
return payloads
"""


class ChatMemory:
    def __init__(self, redis_url: str = "", key: str = "", ttl_seconds: int = 30 * 86400):
        self._keyboards: dict[int, dict[str, list[str]]] = {}
        self._languages: dict[int, str] = {}
        self._key, self._ttl = key.encode(), ttl_seconds
        self._redis: Any = None
        if redis_url:
            import redis.asyncio as redis

            self._redis = redis.Redis.from_url(
                redis_url, socket_timeout=2, socket_connect_timeout=2
            )

    def _name(self, chat_id: int, what: str) -> str:
        tag = hmac.new(self._key, str(chat_id).encode(), hashlib.sha256).hexdigest()[:24]
        return f"guidance:telegram:{tag}:{what}"

    async def keep_keyboards(self, chat_id: int, keyboards: dict[str, list[str]]) -> None:
        """The keyboards of the reply just sent; those of earlier replies are forgotten."""
        self._keyboards[chat_id] = keyboards
        if self._redis is None:
            return
        name = self._name(chat_id, "keyboards")
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(name)
                if keyboards:
                    pipe.hset(name, mapping={t: json.dumps(p) for t, p in keyboards.items()})
                    pipe.expire(name, self._ttl)
                await pipe.execute()
        except Exception as exc:
            logger.warning("chat memory: Redis unreachable (%s)", type(exc).__name__)

    async def spend(self, chat_id: int, token: str) -> list[str] | None:
        """The payloads of the pressed keyboard, if it is the latest reply's; then none is
        valid any more."""
        local = self._keyboards.get(chat_id, {})
        payloads = local.get(token)
        if payloads is not None:
            self._keyboards[chat_id] = {}
        if self._redis is None:
            return payloads
        try:
            shared = await self._redis.eval(_SPEND, 1, self._name(chat_id, "keyboards"), token)
        except Exception as exc:
            logger.warning("chat memory: Redis unreachable (%s)", type(exc).__name__)
            return payloads
        if shared is None:
            return None
        try:
            found = json.loads(shared)
        except ValueError:
            return None
        return [str(p) for p in found] if isinstance(found, list) else None

    async def remember_language(self, chat_id: int, language: str) -> None:
        self._languages[chat_id] = language
        if self._redis is None:
            return
        try:
            await self._redis.set(self._name(chat_id, "language"), language, ex=self._ttl)
        except Exception as exc:
            logger.warning("chat memory: Redis unreachable (%s)", type(exc).__name__)

    async def language(self, chat_id: int) -> str | None:
        if self._redis is not None:
            try:
                shared = await self._redis.get(self._name(chat_id, "language"))
            except Exception as exc:
                logger.warning("chat memory: Redis unreachable (%s)", type(exc).__name__)
            else:
                if shared is not None:
                    return str(shared.decode() if isinstance(shared, bytes) else shared)
        return self._languages.get(chat_id)

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
