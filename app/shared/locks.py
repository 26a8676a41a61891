"""`RedisLocks`: the `Locks` of shared mode, a lease per key in Redis with a fencing token.

`acquire` sets the lock key to a new token (`INCR` on one counter, so every token is larger
than any handed out before it) only if nobody holds it, with the lease as its expiry (one Lua
step); a waiter tries again, backing off up to a fifth of a second. Renewal and release are
Lua steps that touch the key only while it still holds the holder's token, so a holder whose
lease ran out can neither extend nor drop the lock its successor now holds. The engine's own
S3 lock file stays the second guard of a service's state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.jobs.locks import HeldLock, LeaseLost
from app.shared.connection import key
from app.shared.scripts import LOCK, RENEW_LOCK, UNLOCK

log = logging.getLogger("spawnit.shared")

FIRST_WAIT = 0.01
LONGEST_WAIT = 0.2


class RedisLease:
    def __init__(self, locks: RedisLocks, name: str, token: int, lease_seconds: float) -> None:
        self._locks = locks
        self._name = name
        self._token = token
        self._loop = asyncio.get_running_loop()
        self._until = self._loop.time() + lease_seconds
        self._released = False

    @property
    def fencing_token(self) -> int:
        return self._token

    @property
    def expired(self) -> bool:
        return self._released or self._loop.time() >= self._until

    async def renew(self, lease_seconds: float) -> None:
        if self._released:
            raise LeaseLost(f"the lock {self._name} was released")
        try:
            ok = await self._locks.renew_script(keys=[self._name], args=[self._token, _ms(lease_seconds)])
        except (RedisError, OSError) as exc:
            if self.expired:
                raise LeaseLost(f"the lease on {self._name} ran out while Redis was unreachable") from exc
            log.warning("lock %s: could not renew (%s): trying again", self._name, exc)
            return
        if not ok:
            self._released = True
            raise LeaseLost(f"the lease on {self._name} ran out")
        self._until = self._loop.time() + lease_seconds

    async def release(self) -> None:
        """Dropped, if still ours; while Redis is away, tried again until the lease would
        have run out anyway."""
        if self._released:
            return
        self._released = True
        while True:
            try:
                await self._locks.unlock_script(keys=[self._name], args=[self._token])
                return
            except (RedisError, OSError) as exc:
                if self._loop.time() >= self._until:
                    return  # it expires on its own
                log.warning("lock %s: could not release (%s): trying again", self._name, exc)
                await asyncio.sleep(0.5)


class RedisLocks:
    """`Locks` across processes: keys `spawnit:lock:<space>:<key>`, one token counter."""

    def __init__(
        self, redis: aioredis.Redis, space: str, check: Callable[[str], str] | None = None, *, patient: bool = False
    ) -> None:
        self._redis = redis
        self._patient = patient  # a worker's: wait through Redis outages (an API call fails at once)
        self._space = space
        self._check = check
        self._counter = key("lock", "fencing")
        self._lock = redis.register_script(LOCK)
        self.renew_script = redis.register_script(RENEW_LOCK)
        self.unlock_script = redis.register_script(UNLOCK)

    async def acquire(self, name: str, lease_seconds: float) -> HeldLock:
        if self._check is not None:
            name = self._check(name)
        lock = key("lock", self._space, name)
        wait = FIRST_WAIT
        while True:
            try:
                token = int(await self._lock(keys=[lock, self._counter], args=[_ms(lease_seconds)]))
            except (RedisError, OSError) as exc:
                if not self._patient:
                    raise
                log.warning("lock %s: Redis unreachable (%s): trying again", lock, exc)
                token = 0
                wait = LONGEST_WAIT
            if token:
                return RedisLease(self, lock, token, lease_seconds)
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
