"""RedisBus against a real redis-server: two buses (two clients, as two processes would
hold) on one Redis; events cross, in order, once; a job's log lands in its stream with the
line number as entry id and expires once the job ended; Redis stopped and restarted:
readiness says so, subscribers are overrun once (they catch up) and events flow again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from app.bus import Overrun, job_topic, tenant_topic
from app.jobs.logs import LogLine
from app.jobs.model import Job, JobKind, JobState
from app.jobs.updates import JobEvent, LineEvent
from app.services.events import EventKind, ServiceEvent
from app.shared.bus import RedisBus, log_key
from app.shared.logs import RedisLogs, merged
from tests.redis_support import RedisServer

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _job(state: JobState = JobState.RUNNING, rev: int = 1) -> Job:
    return Job(str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()), JobKind.APPLY, 1, AT, state=state, rev=rev)


async def _bus(url: str, **kw: object) -> RedisBus:
    bus = RedisBus(aioredis.Redis.from_url(url), **kw)  # type: ignore[arg-type]
    bus.start()
    await asyncio.wait_for(bus.listening.wait(), 30)
    return bus


@pytest.fixture
async def two(redis_server: RedisServer) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    a, b = await _bus(redis_server.url), await _bus(redis_server.url, ended_ttl=7)
    yield a, b
    await a.close()
    await b.close()


async def test_events_published_on_one_process_reach_the_other_in_order_and_once(
    two: tuple[RedisBus, RedisBus],
) -> None:
    a, b = two
    job = _job()
    with b.subscribe(job_topic(job.id)) as remote, a.subscribe(job_topic(job.id)) as local:
        for n in range(300):
            a.publish(job_topic(job.id), LineEvent(LogLine(n, f"line {n}", AT)))
        a.publish(job_topic(job.id), JobEvent(job))
        got = [await asyncio.wait_for(remote.get(), 30) for _ in range(301)]
        assert [e.line.number for e in got[:300]] == list(range(300))
        assert got[299].line == LogLine(299, "line 299", AT)
        assert got[300] == JobEvent(job)
        mine = [await local.get() for _ in range(301)]
        assert mine == got
        # its own events once, not a second time from Redis: B's echo of a marker arrives first
        marker = LineEvent(LogLine(999, "marker", AT))
        b.publish(job_topic(job.id), marker)
        assert await asyncio.wait_for(local.get(), 30) == marker
    tenant = str(uuid.uuid4())
    with a.subscribe(tenant_topic(tenant)) as events:
        event = ServiceEvent(tenant, job.service, EventKind.DRIFT, "IN_SYNC", "DRIFTED", AT, job.id)
        b.publish(tenant_topic(tenant), event)
        assert await asyncio.wait_for(events.get(), 30) == event


async def test_a_jobs_lines_go_to_its_stream_numbered_and_expire_after_its_end(
    two: tuple[RedisBus, RedisBus], redis_server: RedisServer
) -> None:
    a, b = two
    job = _job()
    with a.subscribe(job_topic(job.id)) as seen:
        for n in range(50):
            b.publish(job_topic(job.id), LineEvent(LogLine(n, f"line {n}", AT)))
        for _ in range(50):
            await asyncio.wait_for(seen.get(), 30)
        logs = RedisLogs(aioredis.Redis.from_url(redis_server.url), repo=None)  # type: ignore[arg-type]
        assert [x.number for x in await logs.streamed(job.id, 20, None) or []] == list(range(20, 50))
        assert [x.text for x in await logs.streamed(job.id, 48, 5) or []] == ["line 48", "line 49"]
        assert await logs.streamed(str(uuid.uuid4()), 0, None) is None  # no stream: read storage
        raw = aioredis.Redis.from_url(redis_server.url)
        assert 3600 < await raw.ttl(log_key(job.id))  # a running job's stream outlives its run
        b.publish(job_topic(job.id), JobEvent(replace(job, state=JobState.SUCCEEDED, rev=9)))
        await asyncio.wait_for(seen.get(), 30)
        assert 0 < await raw.ttl(log_key(job.id)) <= 7  # archived: gone soon


def test_merged_fills_a_trimmed_stream_from_storage_without_gap_or_duplicate() -> None:
    stored = [LogLine(n, f"s{n}", AT) for n in range(6)]
    streamed = [LogLine(n, f"r{n}", AT) for n in range(4, 9)]
    assert [x.number for x in merged(stored, streamed, 2, None)] == [2, 3, 4, 5, 6, 7, 8]
    assert [x.number for x in merged(stored, streamed, 2, 3)] == [2, 3, 4]
    assert merged(stored[:2], streamed, 0, None) == stored[:2]  # never past a missing line


async def test_redis_stopped_then_back_subscribers_catch_up_and_events_flow_again(
    two: tuple[RedisBus, RedisBus], redis_server: RedisServer
) -> None:
    a, b = two
    topic = job_topic(str(uuid.uuid4()))
    with b.subscribe(topic) as sub:
        redis_server.stop(kill=True)
        reason = await a.check()
        assert reason is not None and f"Redis at 127.0.0.1:{redis_server.port}/0 cannot be reached" in reason
        a.publish(topic, LineEvent(LogLine(0, "while away", AT)))  # waits in the outbox
        redis_server.start()
        with pytest.raises(Overrun, match="Redis was away"):  # the listener came back: what was lost is caught up
            await asyncio.wait_for(sub.get(), 60)
        assert await a.check() is None
        await asyncio.wait_for(a.listening.wait(), 60)
        a.publish(topic, LineEvent(LogLine(1, "after", AT)))
        texts = []
        while "after" not in texts:
            texts.append((await asyncio.wait_for(sub.get(), 60)).line.text)
        assert texts[-1] == "after"


async def test_while_redis_is_away_the_outbox_holds_at_most_its_limit_newest_kept() -> None:
    from tests.support import free_port

    bus = RedisBus(aioredis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0"), outbox_limit=10)  # nothing there
    bus.start()
    try:
        topic = job_topic(str(uuid.uuid4()))
        with bus.subscribe(topic) as local:
            for n in range(100):
                bus.publish(topic, LineEvent(LogLine(n, f"line {n}", AT)))
            assert bus.waiting == 10  # the newest ten wait for Redis; nothing grows past the limit
            assert [(await local.get()).line.number for _ in range(100)] == list(range(100))  # local ones all delivered
        assert await bus.check() is not None and bus.problem is not None
    finally:
        await bus.close()
