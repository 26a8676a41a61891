"""Real processes: redis-server, moto_server and several `spawnit serve` sharing them. A job
run by one replica streams its whole log to subscribers of another (complete, in order,
once, and completed when the job ends); subscribers of a replica killed with -9 resume on
another with `fromLine` and receive every line once."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from tests.api.client import Api
from tests.redis_support import RedisServer
from tests.shared.cluster import LOGS, chatty_apply, cluster, printed

LINES = 400


async def follow(api: Api, job_id: str, start: int, got: list[dict[str, Any]], seen: asyncio.Event) -> None:
    """jobLogs of `job_id` from `start` into `got` until it completes (or the socket dies)."""
    async for item in api.subscribe(LOGS, id=job_id, **{"from": start}):
        got.append(item["jobLogs"])
        seen.set()


async def until(predicate: Any, what: str, timeout: float = 120) -> None:
    """Wait for `predicate()` on the events of the subscriptions (they set it as lines come)."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.05)  # readiness of another process's stream: nothing to await

    try:
        await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def assert_whole(lines: list[dict[str, Any]], stored: list[dict[str, Any]]) -> None:
    numbers = [line["number"] for line in lines]
    assert numbers == list(range(len(stored))), "a gap, a duplicate or a line out of order"
    assert [line["text"] for line in lines] == [line["text"] for line in stored]
    assert printed(lines) == list(range(LINES))


async def test_a_job_run_by_replica_a_streams_its_whole_log_to_a_subscriber_on_b(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b = c.start("a"), c.start("b")
        gate = tmp_path / "gate"
        job = await chatty_apply(a.api, LINES, 400, gate)
        got: list[dict[str, Any]] = []
        seen = asyncio.Event()
        task = asyncio.create_task(follow(b.api, job["id"], 0, got, seen))
        await asyncio.wait_for(seen.wait(), 120)  # B replayed the first lines (from Redis): live now
        gate.touch()
        await asyncio.wait_for(task, 180)  # completes: the end reached B
        final = await b.api.wait_job(job["id"])
        assert final["state"] == "SUCCEEDED", final
        assert_whole(got, await a.api.logs(job["id"]))
        assert "(local-exec): line" in "".join(l["text"] for l in got)


async def test_subscribers_of_a_replica_killed_with_9_resume_on_another_with_from_line(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        runner, doomed, other = c.start("runner"), c.start("doomed"), c.start("other")
        gate = tmp_path / "gate"
        job = await chatty_apply(runner.api, LINES, 100, gate)
        subs = [([], asyncio.Event()) for _ in range(3)]
        tasks = [asyncio.create_task(follow(doomed.api, job["id"], 0, got, seen)) for got, seen in subs]
        for _, seen in subs:
            await asyncio.wait_for(seen.wait(), 120)
        gate.touch()
        await until(lambda: all(len(printed(got)) >= 50 for got, _ in subs), "50 printed lines on each subscriber")
        doomed.kill()
        for task in tasks:
            with contextlib.suppress(Exception):  # the socket died with the replica
                await asyncio.wait_for(task, 60)
        assert all(len(printed(got)) < LINES for got, _ in subs), "the job ended before the kill"
        resumed = [
            asyncio.create_task(follow(other.api, job["id"], got[-1]["number"] + 1, got, asyncio.Event()))
            for got, _ in subs
        ]
        await asyncio.wait_for(asyncio.gather(*resumed), 180)
        stored = await runner.api.logs(job["id"])
        for got, _ in subs:
            assert_whole(got, stored)
        assert (await other.api.wait_job(job["id"]))["state"] == "SUCCEEDED"
