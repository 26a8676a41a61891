"""Cancel from any replica: a per-job key says a cancel was asked (and whether forced), and a
pub/sub channel tells every worker at once; the worker running the job acts on it. The key
outlives a missed message (a worker that was reconnecting reads it on its next look), and
expires on its own a day on (no job lives that long: the job timeout ends it first)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.shared.connection import key

log = logging.getLogger("spawnit.shared")

CHANNEL = key("cancel")
KEPT_SECONDS = 24 * 3600


class CancelControl:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    def _key(self, job_id: str) -> str:
        return key("cancel", job_id)

    async def ask(self, job_id: str, force: bool) -> None:
        """Cancel `job_id` wherever it runs (a forced cancel is never weakened by a later plain one)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            if force:
                pipe.set(self._key(job_id), "force", ex=KEPT_SECONDS)
            else:
                pipe.set(self._key(job_id), "interrupt", ex=KEPT_SECONDS, nx=True)
            pipe.publish(CHANNEL, job_id)
            await pipe.execute()

    async def asked(self, job_id: str) -> bool | None:
        """None: no cancel asked; else whether it is forced."""
        value = await self._redis.get(self._key(job_id))
        return None if value is None else value == b"force"

    async def watch(self, heard: Callable[[str], Awaitable[None]], look_again: Callable[[], Awaitable[None]]) -> None:
        """`heard(job_id)` for every cancel published, for ever; after each (re)connection
        `look_again()` (what was asked while this worker was not listening)."""
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    await look_again()
                    while True:
                        message = await pubsub.get_message(timeout=5.0)
                        if message is not None and message.get("type") == "message":
                            await heard(bytes(message["data"]).decode())
            except (RedisError, OSError) as exc:
                log.warning("cancel channel: Redis unreachable (%s): listening again", exc)
                await asyncio.sleep(0.5)
            except Exception:
                log.exception("cancel channel: a message failed")
                await asyncio.sleep(0.5)
