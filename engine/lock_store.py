"""The engines' lock on a conversation when several engines share one conversation store,
named in their endpoints (`lock_store: type: engine.lock_store.ConversationLockStore`) and
loaded by the engine (.venv-rasa); the application never imports this module. It shares the
holder-only Lua scripts of the gateways' lease (bot/lease.py, which needs only redis-py).

Rasa 3.6's `RedisLockStore` issues its tickets by reading one Redis key, changing it and writing
it back: two engines taking a turn of the same conversation at the same moment can both get the
same ticket and both run it (RasaHQ/rasa#9213), and then one turn's events overwrite the
other's in the tracker store. Its tickets also expire while they wait in a long queue. Measured
here: 6 turns sent at once to two engines left 4 in the tracker.

This lock is one atomic `SET NX PX` per conversation: one holder at a time, whichever engine.
The holder renews it while its turn runs, so a long turn keeps it, and the lock of an engine
that died frees itself within HOLD_SECONDS. Waiting turns take it in no set order: turns of one
conversation that arrive together were sent together (a gateway sends its own in order).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

from bot.lease import RELEASE_IF_HOLDER, RENEW_IF_HOLDER

logger = logging.getLogger(__name__)


class ConversationLockStore(RedisLockStore):
    """Rasa's Redis lock store with an atomic lock; configured as Rasa configures its own
    (`url`, `port`, `db`, `password`, `key_prefix`, `socket_timeout`)."""

    HOLD_SECONDS = 10.0
    POLL_SECONDS = 0.02

    def __init__(self, endpoint_config: Any) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock for the `async with`; wait for it `lock_lifetime`
        seconds at most (Rasa's TICKET_LOCK_LIFETIME), then raise LockError."""
        key = f"{self.key_prefix}mutex:{conversation_id}"
        token = uuid.uuid4().hex
        hold_ms = int(self.HOLD_SECONDS * 1000)
        deadline = time.monotonic() + lock_lifetime
        while not self.red.set(key, token, nx=True, px=hold_ms):
            if time.monotonic() > deadline:
                raise LockError(f"The lock of conversation '{conversation_id}' stayed taken.")
            await asyncio.sleep(self.POLL_SECONDS)
        keeper = asyncio.create_task(self._keep(key, token, hold_ms))
        try:
            yield TicketLock(conversation_id)
        finally:
            keeper.cancel()
            try:
                self.red.eval(RELEASE_IF_HOLDER, 1, key, token)
            except Exception as exc:
                # It frees itself within HOLD_SECONDS.
                logger.warning("conversation lock not released: %s", type(exc).__name__)

    async def _keep(self, key: str, token: str, hold_ms: int) -> None:
        while True:
            await asyncio.sleep(self.HOLD_SECONDS / 3)
            with suppress(Exception):
                self.red.eval(RENEW_IF_HOLDER, 1, key, token, hold_ms)
