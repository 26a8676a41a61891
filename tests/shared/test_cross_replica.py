"""Real processes: redis-server, moto_server, `spawnit serve --role api` replicas and a
`spawnit worker` sharing them. A job created through replica A (run by the worker) streams
its whole log to a subscriber on replica B (complete, in order, once, and completed when
the job ends); subscribers of a replica killed with -9 resume on another with `fromLine`
and receive every line once."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.api.client import Api
from tests.redis_support import RedisServer
from tests.shared.cluster import LOGS, ROLES, api_replica, chatty_apply, cluster, job_host, printed, through

LINES = 400
WORKER = "query($id: ID!) { job(id: $id) { worker } }"


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
        a, b = api_replica(c, "a"), api_replica(c, "b")
        worker = job_host(c)
        gate = tmp_path / "gate"
        job = await chatty_apply(through(a, worker).api, LINES, 400, gate)
        got: list[dict[str, Any]] = []
        seen = asyncio.Event()
        task = asyncio.create_task(follow(b.api, job["id"], 0, got, seen))
        await asyncio.wait_for(seen.wait(), 120)  # B replayed the first lines (from Redis): live now
        gate.touch()
        await asyncio.wait_for(task, 180)  # completes: the end reached B
        final = await b.api.wait_job(job["id"])
        assert final["state"] == "SUCCEEDED", final
        if ROLES:  # Job.worker comes with the roles
            assert (await a.api.run(WORKER, id=job["id"]))["job"]["worker"].endswith(f":{worker.proc.pid}")
        assert_whole(got, await a.api.logs(job["id"]))
        # the job's stream in Redis held every line, and goes soon now that the log is archived
        client = redis.Redis.from_url(redis_server.url)
        stream = f"spawnit:log:{job['id']}"
        await until(lambda: 0 < client.ttl(stream) <= 300, "the ended job's stream to expire within 5 minutes")
        assert client.xlen(stream) == len(got)


async def test_subscribers_of_a_replica_killed_with_9_resume_on_another_with_from_line(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        doomed, other = api_replica(c, "doomed"), api_replica(c, "other")
        host = job_host(c)
        gate = tmp_path / "gate"
        # with roles, the replica that took the job in dies too
        job = await chatty_apply(through(doomed, host).api, LINES, 100, gate)
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
        stored = await other.api.logs(job["id"])
        for got, _ in subs:
            assert_whole(got, stored)
        assert (await other.api.wait_job(job["id"]))["state"] == "SUCCEEDED"


EVENTS = "subscription { serviceEvents { serviceId kind old new jobId } }"


async def test_service_events_of_a_job_run_elsewhere_reach_a_subscriber_on_another_replica(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    from tests.shared.test_metrics import scrape, value

    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b = api_replica(c, "a"), api_replica(c, "b")
        host = job_host(c)
        events: list[dict[str, Any]] = []
        done = asyncio.Event()

        async def follow_events() -> None:
            async for item in b.api.subscribe(EVENTS):
                events.append(item["serviceEvents"])
                if item["serviceEvents"]["new"] == "SUCCEEDED":
                    done.set()
                    return

        task = asyncio.create_task(follow_events())
        await until(lambda: task.done() or value(scrape(b), "spawnit_live_subscribers") >= 1, "B's subscription")
        (tmp_path / "open").touch()
        job = await chatty_apply(through(a, host).api, 5, 0, tmp_path / "open")
        await asyncio.wait_for(done.wait(), 180)
        await task
        changes = [(e["old"], e["new"]) for e in events if e["kind"] == "JOB" and e["jobId"] == job["id"]]
        assert changes == [(None, "QUEUED"), ("QUEUED", "RUNNING"), ("RUNNING", "SUCCEEDED")], events
        assert {e["serviceId"] for e in events} == {job["service"]["id"]}


@pytest.mark.skipif(not ROLES, reason="a worker's lease comes with the roles")
async def test_a_subscriber_of_a_job_whose_worker_is_killed_completes_when_it_is_interrupted(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    lease = {"SPAWNIT_WORKER_LEASE_SECONDS": "6"}
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b = api_replica(c, "a", **lease), api_replica(c, "b", **lease)
        workers = [job_host(c, "w1", **lease), job_host(c, "w2", **lease)]
        gate = tmp_path / "gate"
        job = await chatty_apply(a.api, LINES, 50, gate)
        got: list[dict[str, Any]] = []
        seen = asyncio.Event()
        task = asyncio.create_task(follow(b.api, job["id"], 0, got, seen))
        await asyncio.wait_for(seen.wait(), 120)
        gate.touch()
        await until(lambda: len(printed(got)) >= 20, "20 printed lines on B")
        updates = asyncio.create_task(b.api.wait_job(job["id"], timeout=120))  # jobUpdates on B too
        pid = int((await a.api.run(WORKER, id=job["id"]))["job"]["worker"].rsplit(":", 1)[1])
        next(w for w in workers if w.proc.pid == pid).kill()
        await asyncio.wait_for(task, 120)  # completed: the survivor's verdict reached B
        assert len(printed(got)) < LINES
        assert [line["number"] for line in got] == list(range(len(got))), "a gap or a duplicate"
        assert (await b.api.job(job["id"]))["state"] == "INTERRUPTED"
        assert (await updates)["state"] == "INTERRUPTED"
        assert "job interrupted: its worker" in got[-1]["text"]
        # the archive holds what B was sent (lines the killed worker streamed but never flushed too)
        assert [line["text"] for line in await a.api.logs(job["id"])] == [line["text"] for line in got]
