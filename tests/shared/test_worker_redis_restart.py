"""Real processes: Redis stopped and started again under 2 x `spawnit worker` (behind
2 x `spawnit serve --role api`), while they idle and while one runs a job that ends during
the outage: the job's record still reaches its end (no job left RUNNING), its service's
line moves on once Redis is back, and the workers take new jobs again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.api.client import Api, GraphQLErrors
from tests.redis_support import RedisServer
from tests.shared.cluster import cluster
from tests.shared.test_workers import APPLY, FINAL, fleet, new_service, poll_job


async def ready(*urls: str) -> None:
    """Every replica's /readyz answers 200 (its bus saw Redis come back)."""
    async with httpx.AsyncClient() as client:
        for url in urls:
            while (await client.get(f"{url}/readyz")).status_code != 200:
                await asyncio.sleep(0.1)  # another process's view of Redis: polled


async def apply(api: Api, service: str) -> str:
    """An apply, asked again while the replica still refuses changes (its bus listener
    reconnects a moment after /readyz sees Redis)."""
    while True:
        try:
            return str((await api.run(APPLY, id=service))["applyService"]["id"])
        except GraphQLErrors as exc:
            if exc.codes != ["UNAVAILABLE"]:
                raise
            await asyncio.sleep(0.1)


async def test_workers_ride_out_redis_restarts_idle_and_mid_job(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b, _w1, _w2 = fleet(c, SPAWNIT_DRIFT_INTERVAL_SECONDS="0")
        service = await new_service(a.api, "outage", gate, lines=5, rate=50)
        redis_server.stop()  # idle: every worker is blocked reading the queue
        redis_server.start()
        await ready(a.url, b.url)
        job = await apply(a.api, service)
        await poll_job(a.api, job, ("RUNNING",))
        redis_server.stop()
        gate.touch()  # the job ends while Redis is away
        ended = await poll_job(b.api, job, FINAL)  # read from the bucket meanwhile
        assert ended["state"] == "SUCCEEDED", ended
        redis_server.start()
        await ready(a.url, b.url)
        again = await apply(b.api, service)
        ended = await poll_job(a.api, again, FINAL)
        assert ended["state"] == "SUCCEEDED", ended
        other = await new_service(b.api, "after", gate, lines=1, rate=0)
        last = (await a.api.run(APPLY, id=other))["applyService"]["id"]
        assert (await poll_job(b.api, last, FINAL))["state"] == "SUCCEEDED"
