"""The shared drift schedule against a real redis-server: a due service is claimed by one
worker only, no more than a worker's free places, and comes due again after its hold if its
claimer never sets its next time; one not yet due is claimed by nobody."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from app.shared.schedule import SharedDriftSchedule
from tests.redis_support import RedisServer


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(redis_server.url)
    yield redis
    await redis.aclose()


async def test_a_due_service_goes_to_one_claimer_up_to_its_places(client: aioredis.Redis) -> None:
    one, two = SharedDriftSchedule(client), SharedDriftSchedule(client)
    due = {str(uuid.uuid4()): 100.0 + i for i in range(3)}
    later = str(uuid.uuid4())
    await one.plant({**due, later: 500.0})
    await two.plant(dict.fromkeys(due, 0.0))  # planted already: its time stays
    first = await one.claim(200.0, 2, hold=60)
    second = await two.claim(200.0, 5, hold=60)
    assert len(first) == 2 and len(second) == 1  # at most the free places; never both
    assert set(first) | set(second) == set(due)
    assert await two.claim(250.0, 5, hold=60) == []  # held, and `later` is not due
    await one.next_at(first[0], 400.0)
    assert set(await two.claim(261.0, 5, hold=60)) == {first[1], *second}  # the others' holds ran out
    assert set(await one.claim(450.0, 5, hold=60)) == set(due)  # `later` is still not due
    assert await one.claim(505.0, 5, hold=60) == [later]  # the others held until 510


async def test_a_dropped_service_is_never_claimed(client: aioredis.Redis) -> None:
    schedule = SharedDriftSchedule(client)
    gone = str(uuid.uuid4())
    await schedule.plant({gone: 1.0})
    await schedule.drop({gone})
    await schedule.next_at(gone, 2.0)  # a check that ended after its service went: not planted again
    assert await schedule.claim(10.0, 5, hold=60) == []
