"""RedisJobQueue against a real redis-server: a service's jobs one at a time in submission
order, different services in parallel, an id never queued twice, tenants' limits counted in
Redis, a dead worker's job found past the lease, a live worker's renewed one never."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from app.errors import LimitExceeded
from app.shared.queue import Duplicate, RedisJobQueue
from tests.redis_support import RedisServer


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


def ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


async def put(queue: RedisJobQueue, job: str, service: str, tenant: str = "t", limit: int | None = None) -> None:
    await queue.reserve(job, tenant, service, check=False, limit=limit)
    await queue.submit(job)


async def test_a_services_jobs_come_one_at_a_time_in_order_across_workers(client: aioredis.Redis) -> None:
    one, two = RedisJobQueue(client, "w1", 30), RedisJobQueue(client, "w2", 30)
    service = str(uuid.uuid4())
    jobs = ids(3)
    for job in jobs:
        await put(one, job, service)
    assert await one.take() == jobs[0]
    with pytest.raises(TimeoutError):  # the service is busy: nothing for the other worker
        await asyncio.wait_for(two.take(), 2.5)
    await one.ack(jobs[0])
    assert await two.take() == jobs[1]
    await two.ack(jobs[1])
    assert await one.take() == jobs[2]
    await one.ack(jobs[2])
    assert await one.depth() == 0


async def test_different_services_are_taken_in_parallel(client: aioredis.Redis) -> None:
    one, two = RedisJobQueue(client, "w1", 30), RedisJobQueue(client, "w2", 30)
    a, b = ids(2)
    await put(one, a, str(uuid.uuid4()))
    await put(two, b, str(uuid.uuid4()))
    assert {await one.take(), await two.take()} == {a, b}


async def test_an_id_is_refused_while_queued_or_taken(client: aioredis.Redis) -> None:
    queue = RedisJobQueue(client, "w1", 30)
    (job,) = ids(1)
    service = str(uuid.uuid4())
    await put(queue, job, service)
    with pytest.raises(Duplicate):
        await queue.reserve(job, "t", service, check=False, limit=None)
    assert await queue.take() == job
    with pytest.raises(Duplicate):
        await queue.reserve(job, "t", service, check=False, limit=None)
    with pytest.raises(Duplicate):
        await queue.submit(job)


async def test_a_tenants_limit_holds_across_replicas_and_frees_at_ack(client: aioredis.Redis) -> None:
    one, two = RedisJobQueue(client, "a", 30), RedisJobQueue(client, "b", 30)
    first, second, third = ids(3)
    results = await asyncio.gather(
        *(
            q.reserve(j, "tenant", str(uuid.uuid4()), check=False, limit=2)
            for q, j in ((one, first), (two, second), (one, third))
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, LimitExceeded) for r in results) == 1
    passed = [j for j, r in zip((first, second, third), results, strict=True) if r is None]
    await one.reserve(str(uuid.uuid4()), "other", str(uuid.uuid4()), check=False, limit=2)  # another tenant's own
    for job in passed:
        await one.submit(job)
    taken = await one.take()
    await one.ack(taken)
    await two.reserve(str(uuid.uuid4()), "tenant", str(uuid.uuid4()), check=False, limit=2)  # a place again


async def test_a_withdrawn_job_leaves_the_line(client: aioredis.Redis) -> None:
    queue = RedisJobQueue(client, "w1", 30)
    service = str(uuid.uuid4())
    first, second, third = ids(3)
    for job in (first, second, third):
        await put(queue, job, service)
    assert not await queue.withdraw(first)  # in the stream already: a worker will see it
    assert await queue.withdraw(second)
    assert await queue.take() == first
    await queue.ack(first)
    assert await queue.take() == third


async def test_a_dead_workers_job_is_found_past_the_lease_a_renewed_one_never(client: aioredis.Redis) -> None:
    dead, alive, sweeper = (RedisJobQueue(client, name, 1.0) for name in ("dead", "alive", "sweeper"))
    a, b = ids(2)
    await put(dead, a, str(uuid.uuid4()))
    await put(alive, b, str(uuid.uuid4()))
    assert await dead.take() == a  # the oldest entry first
    assert await alive.take() == b
    found: list[str] = []
    while not found:  # the dead worker renews nothing; the live one renews
        assert await alive.renew() == []
        found = await sweeper.orphans()
        await asyncio.sleep(0.2)
    assert found == [a]
    assert await dead.renew() == [a]  # the dead worker, back, learns it lost the job
    await sweeper.ack(a)
    assert await alive.renew() == []
    assert await sweeper.depth() == 1
