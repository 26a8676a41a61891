"""RedisLocks against a real redis-server: one holder at a time across clients, fencing
tokens that only grow, a lease that runs out frees the lock and its old holder can neither
renew nor release its successor's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from app.jobs.locks import LeaseLost, holding
from app.shared.locks import RedisLocks
from tests.redis_support import RedisServer


@pytest.fixture
async def clients(redis_server: RedisServer) -> AsyncIterator[tuple[aioredis.Redis, aioredis.Redis]]:
    one, two = aioredis.Redis.from_url(redis_server.url), aioredis.Redis.from_url(redis_server.url)
    yield one, two
    await one.aclose()
    await two.aclose()


async def test_one_holder_at_a_time_across_processes(clients: tuple[aioredis.Redis, aioredis.Redis]) -> None:
    a, b = RedisLocks(clients[0], "service"), RedisLocks(clients[1], "service")
    name = str(uuid.uuid4())
    inside: list[int] = []
    most = 0

    async def work(locks: RedisLocks) -> None:
        nonlocal most
        for _ in range(5):
            async with holding(locks, name, 10):
                inside.append(1)
                most = max(most, len(inside))
                await asyncio.sleep(0.01)
                inside.pop()

    await asyncio.gather(work(a), work(b), work(a), work(b))
    assert most == 1


async def test_tokens_grow_and_an_expired_holder_cannot_touch_its_successor(
    clients: tuple[aioredis.Redis, aioredis.Redis],
) -> None:
    a, b = RedisLocks(clients[0], "service"), RedisLocks(clients[1], "service")
    name = str(uuid.uuid4())
    first = await a.acquire(name, 0.3)
    second = await b.acquire(name, 30)  # waits out the first lease
    assert first.expired
    assert second.fencing_token > first.fencing_token
    with pytest.raises(LeaseLost):
        await first.renew(30)
    await first.release()  # not its lock any more: nothing happens
    third = asyncio.create_task(a.acquire(name, 30))
    await asyncio.sleep(0.3)
    assert not third.done()  # the successor still holds it
    await second.release()
    assert (await third).fencing_token > second.fencing_token


async def test_spaces_are_apart(clients: tuple[aioredis.Redis, aioredis.Redis]) -> None:
    name = str(uuid.uuid4())
    held = await RedisLocks(clients[0], "record").acquire(name, 30)
    other = await asyncio.wait_for(RedisLocks(clients[1], "service").acquire(name, 30), 5)
    await held.release()
    await other.release()
