"""Shared mode's drift schedule: one sorted set for every worker, service id -> when its next
check is due (epoch seconds). A worker claims due services atomically (a Lua step moves
each claimed one `hold` seconds on, so no other worker claims it meanwhile, and if the
claimer dies the service comes due again after `hold`); when the check is done the claimer
sets its next time, one interval on. So each live service is checked once per interval
across all workers, and each worker claims no more than its free places."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from app.shared.connection import key

# KEYS: the set. ARGV: now, at most, hold until. The ids claimed.
CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[3], id) end
return due
"""


class SharedDriftSchedule:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._key = key("drift", "due")
        self._claim = redis.register_script(CLAIM)

    async def plant(self, due: dict[str, float]) -> None:
        """Services (id -> first due time) that the schedule does not hold yet join it."""
        if due:
            await self._redis.zadd(self._key, due, nx=True)

    async def members(self) -> set[str]:
        found: list[Any] = await self._redis.zrange(self._key, 0, -1)
        return {bytes(m).decode() for m in found}

    async def drop(self, service_ids: set[str]) -> None:
        """Services no longer watched (gone, destroyed, interval 0, or to be planted anew)."""
        if service_ids:
            await self._redis.zrem(self._key, *service_ids)

    async def claim(self, now: float, at_most: int, hold: float) -> list[str]:
        if at_most <= 0:
            return []
        found = await self._claim(keys=[self._key], args=[now, at_most, now + hold])
        return [bytes(m).decode() for m in found]

    async def next_at(self, service_id: str, at: float) -> None:
        """The claimed service's next check (only if it is still scheduled)."""
        await self._redis.zadd(self._key, {service_id: at}, xx=True)
