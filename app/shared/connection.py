"""The Redis client of shared mode, and the names of every key SpawnIt keeps there.

One `redis.asyncio.Redis` per process (it pools its connections), made from the secret
`SPAWNIT_REDIS_URL`; every key starts with `spawnit:` so a Redis can be shared with other
programs, and is built here from ids SpawnIt minted (never from a user's string).
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from app.settings import Settings

PREFIX = "spawnit:"


def connect(settings: Settings) -> aioredis.Redis:
    """A client for the shared Redis (lazy: no connection is made until the first command)."""
    return aioredis.Redis.from_url(
        settings.redis_url.reveal(),
        socket_connect_timeout=5,
        socket_timeout=None,  # blocking reads (XREADGROUP BLOCK) set their own timeouts
        health_check_interval=15,
        retry_on_timeout=False,
        # a pooled connection that a restarted Redis closed fails once, then a new one is made
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=2),
        retry_on_error=[RedisConnectionError],
    )


def key(*parts: str) -> str:
    """`spawnit:<part>:<part>...`: parts are SpawnIt's own words and ids it minted."""
    return PREFIX + ":".join(parts)
