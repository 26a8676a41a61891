"""Shared mode's parts that the bus side needs, built by the composition root when
`Settings.shared`: the Redis client, the `RedisBus`, and the reader of logs that other
processes' jobs write (`RedisLogs`). Kept out of app/main.py so its wiring stays a line."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import redis.asyncio as aioredis

from app.jobs.repository import JobRepository
from app.settings import Settings
from app.shared.bus import RedisBus
from app.shared.connection import connect
from app.shared.logs import RedisLogs, SharedJobRepository
from app.storage import Store

log = logging.getLogger("spawnit.shared")


@dataclass
class SharedBus:
    redis: aioredis.Redis
    bus: RedisBus

    def jobs(self, store: Store) -> JobRepository:
        """Job records whose logs read from storage are completed from Redis."""
        return SharedJobRepository(store, self.redis)

    def logs(self, repo: JobRepository) -> RedisLogs:
        return RedisLogs(self.redis, repo)

    @property
    def problem(self) -> str | None:
        """Why Redis cannot be used, as the bus last saw it (None: it works)."""
        return self.bus.problem

    async def check(self) -> str | None:
        """None while Redis answers, else the reason (readiness, mutations)."""
        return await self.bus.check()

    async def close(self) -> None:
        await self.bus.close()
        await self.redis.aclose()


async def shared_bus(settings: Settings, wait: float = 5.0) -> SharedBus | None:
    """The Redis bus of shared mode, started (listening, unless Redis does not answer
    within `wait` seconds: then SpawnIt starts without it, refusing changes until it is
    there); None in one-process mode."""
    if not settings.shared:
        return None
    redis = connect(settings)
    # a job's stream outlives its longest run, so a dead worker's stream goes by itself
    bus = RedisBus(redis, running_ttl=settings.job_timeout_seconds + 3600)
    bus.start()
    try:
        await asyncio.wait_for(bus.listening.wait(), wait)
    except TimeoutError:
        log.error("%s: starting without it (reads from storage, changes refused)", bus.problem)
    return SharedBus(redis, bus)
