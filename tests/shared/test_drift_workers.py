"""Real processes: 2 x `spawnit worker` watching one service on a 3 s interval through the
shared schedule in Redis: it is checked once per interval across both workers (every check
starts at least an interval after the one before), not once per worker."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.redis_support import RedisServer
from tests.shared.cluster import cluster
from tests.shared.test_workers import APPLY, FINAL, fleet, new_service, poll_job, when

INTERVAL = 3.0
JOBS = "query($id: ID!) { service(id: $id) { jobs(first: 50) { edges { node { kind state createdAt worker } } } } }"


async def checks(api: Any, service: str, count: int, timeout: float = 240) -> list[dict[str, Any]]:
    async def poll() -> list[dict[str, Any]]:
        while True:
            jobs = [e["node"] for e in (await api.run(JOBS, id=service))["service"]["jobs"]["edges"]]
            done = [j for j in jobs if j["kind"] == "DRIFT_CHECK" and j["state"] in FINAL]
            if len(done) >= count:
                return sorted(done, key=lambda j: j["createdAt"])
            await asyncio.sleep(0.2)  # other processes' checks: their records are what we read

    return await asyncio.wait_for(poll(), timeout)


async def test_two_workers_check_a_service_once_per_interval(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "open"
    gate.touch()
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, _b, _w1, _w2 = fleet(c, SPAWNIT_DRIFT_INTERVAL_SECONDS=str(INTERVAL), SPAWNIT_DRIFT_JITTER_SECONDS="0")
        service = await new_service(a.api, "watched", gate, lines=1, rate=0)
        applied = (await a.api.run(APPLY, id=service))["applyService"]["id"]
        assert (await poll_job(a.api, applied, FINAL))["state"] == "SUCCEEDED"
        done = await checks(a.api, service, 4)
        starts = [when(j["createdAt"]) for j in done]
        gaps = [(later - earlier).total_seconds() for earlier, later in zip(starts, starts[1:], strict=False)]
        assert all(gap >= INTERVAL for gap in gaps), gaps
