"""10. Scale-out: applies per minute with one `spawnit serve` (everything in one process), and
in shared mode with one `spawnit serve --role api` in front of 1 and of 2 `spawnit worker`s
(redis-server and moto_server started here, the bucket as the store in every case). N new
`log-lines` services (one short line each) are applied at once; measured: wall time until
every apply ended, applies per minute, and the latency of a `services(first: 50)` query sent
to the API in a loop meanwhile (every 50 ms after the answer). Each worker runs at most
SPAWNIT_MAX_PARALLEL_JOBS = 2 jobs; on 2 cores a second worker adds engines, not cores."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.client import SERVICES_QUERY, Api, query_loop
from bench.log_stream import ENTRY
from bench.report import Report, Section, ms, progress, table
from bench.stats import Stats
from tests.conftest import running_moto
from tests.redis_support import RedisServer
from tests.shared.cluster import Cluster

FINAL = {"SUCCEEDED", "FAILED", "CANCELED", "INTERRUPTED"}
PARALLEL = {"SPAWNIT_MAX_PARALLEL_JOBS": "2", "SPAWNIT_MAX_JOBS_PER_TENANT": "1000"}


async def ended(api: Api, job_id: str) -> str:
    """The job's final state, polled (the same cost in every set-up)."""
    while True:
        state = await api.job_state(job_id)
        if state in FINAL:
            return state
        await asyncio.sleep(0.25)


async def apply_all(url: str, count: int, gate: Path) -> dict[str, Any]:
    async with Api(url) as api:
        variables = {"lines": 1, "rate": 0, "gate": str(gate)}
        services = [await api.create(ENTRY, "bench", f"s{i}", variables) for i in range(count)]
        stop = asyncio.Event()
        loop = asyncio.create_task(query_loop(api, SERVICES_QUERY, stop))
        t0 = time.perf_counter()
        try:
            jobs = await asyncio.gather(*(api.submit("applyService", s) for s in services))
            states = await asyncio.gather(*(ended(api, j) for j in jobs))
        finally:
            wall = time.perf_counter() - t0
            stop.set()
            latencies = await loop
    return {"wall": wall, "failed": sum(s != "SUCCEEDED" for s in states), "q": Stats.of(latencies)}


async def one(tmp: Path, redis: RedisServer, s3: str, workers: int | None, count: int) -> dict[str, Any]:
    """`workers` None: one `spawnit serve` without Redis; else an API and that many workers."""
    tmp.mkdir(parents=True, exist_ok=True)
    gate = tmp / "open"
    gate.touch()
    cluster = Cluster(tmp, redis.url, s3)
    try:
        if workers is None:
            api = cluster.start("all", **PARALLEL, SPAWNIT_REDIS_URL="")
        else:
            api = cluster.start("api", "--role", "api", **PARALLEL)
            for i in range(workers):
                cluster.start(f"w{i}", command="worker", **PARALLEL)
        result = await apply_all(api.url, count, gate)
    finally:
        cluster.stop()
    return {"setup": "one spawnit serve" if workers is None else f"api + {workers} worker(s)", **result}


async def run(report: Report, quick: bool, tmp: Path) -> None:
    count = 6 if quick else 24
    tmp.mkdir(parents=True, exist_ok=True)
    redis = RedisServer(tmp / "redis")
    redis.start()
    results = []
    try:
        with running_moto(tmp / "moto.log") as (s3, _proc):
            for workers in (None, 1, 2):
                progress(f"{count} applies, workers: {workers or 'none (one process)'}")
                results.append(await one(tmp / f"w{workers}", redis, s3, workers, count))
    finally:
        redis.stop()
    rows = [
        (
            r["setup"],
            count,
            f"{r['wall']:.1f} s",
            f"{count / r['wall'] * 60:.0f}",
            ms(r["q"].median),
            ms(r["q"].p99),
            r["q"].n,
            r["failed"],
        )
        for r in results
    ]
    headers = ("set-up", "applies", "wall time", "applies per minute", "services p50", "services p99")
    body = table((*headers, "queries", "failed applies"), rows)
    body += (
        "\n\nEvery set-up on the same moto bucket server and (shared mode) redis-server; each worker and the "
        "one-process serve run at most 2 jobs at once. The services query goes to the process that takes the "
        "mutations (the one serve, or the API replica)."
    )
    report.add(Section("10. Scale-out: applies per minute with 1 and 2 workers", body))
