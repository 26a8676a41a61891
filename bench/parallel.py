"""4. Parallel services: N new static sites applied at once under SPAWNIT_MAX_PARALLEL_JOBS
= 2, 4, 8. SpawnIt runs in a process of its own (its RSS alone); measured: wall time until
every apply SUCCEEDED, peak RSS of SpawnIt and of its process tree (engines, providers and
the services while their provider is alive), and the latency of a `services(first: 50)`
query sent in a loop meanwhile (every 50 ms after the answer). Each configuration starts
on an empty data directory and destroys its services afterwards (not timed).

Two more rounds of the 8-apply configuration: one whose query goes instead to a
neighbour, a second SpawnIt process with as many services that runs no job (what its
latency gains during the applies is the machine's: CPU, kernel, scheduler; not the work
of the SpawnIt that runs them: the floor under the row's ratio), and one with the engines
kept on the last CPU (SPAWNIT_ENGINE_CPUS), the API keeping the others. One more of the
default's, the engines under SCHED_IDLE (SPAWNIT_ENGINE_IDLE=true, opt-in): the row of
niceness alone side by side.

And the default's with the engines in SpawnIt's own session (SPAWNIT_ENGINE_SESSION=false,
what ran before the engines' launcher): one scheduler group for the API and every engine.

The 8-apply default, its neighbour and that one are measured POOLED_ROUNDS times, alternating,
and their latencies pooled: one round gives ~100 queries, whose p99 is its second-largest
sample, and the ratio of one round to the next moved by 1x on this 2-core machine."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from bench.client import SERVICES_QUERY, Api, Ws, query_loop, run_all
from bench.report import Report, Section, mib, ms, progress, ratio, table
from bench.sampling import TreeSampler
from bench.serving import serving_process
from bench.stats import Stats
from tests.support import free_port

IDLE_SECONDS = 5.0
POOLED_ROUNDS = 3  # rounds of the 8-apply default and its idle neighbour, latencies pooled


async def apply_all(api: Api, ws: Ws, services: list[str]) -> tuple[float, int]:
    """Submit an apply of every service at once; seconds until all ended, and how many
    did not succeed (see the note on the plugin cache in the README)."""
    t0 = time.perf_counter()
    jobs = await asyncio.gather(*(api.submit("applyService", s) for s in services))
    states = await asyncio.gather(*(ws.wait_job(j) for j in jobs))
    return time.perf_counter() - t0, sum(state != "SUCCEEDED" for state in states)


def engine_cpus() -> str:
    """The last CPU this process may use: where the `engines on` rows keep the engines."""
    return str(max(os.sched_getaffinity(0)))


async def one(
    tmp: Path,
    count: int,
    limit: int,
    neighbour: Api | None = None,
    cpus: str = "",
    engine_idle: bool = False,
    session: bool = True,
) -> dict:
    """One configuration; the query goes to the SpawnIt that applies, or to `neighbour`;
    `engine_idle`: SPAWNIT_ENGINE_IDLE (false, the default: the engines' niceness alone);
    `session`: SPAWNIT_ENGINE_SESSION (true, the default: the engines in a session of
    their own; false: in SpawnIt's)."""
    data = tmp / f"n{count}-p{limit}-c{cpus or 'any'}-{'idle' if engine_idle else 'nice'}-s{session:d}" / "data"
    env = {
        "SPAWNIT_MAX_PARALLEL_JOBS": str(limit),
        "SPAWNIT_ENGINE_CPUS": cpus,
        "SPAWNIT_ENGINE_IDLE": str(engine_idle).lower(),
        "SPAWNIT_ENGINE_SESSION": str(session).lower(),
    }
    async with serving_process(data, env) as srv, Api(srv.url) as api:
        ws = await Ws.open(api.ws_url)
        services = [await api.create_site(f"par-{i}", free_port()) for i in range(count)]
        asked = neighbour or api
        idle_stop = asyncio.Event()
        idle_loop = asyncio.create_task(query_loop(asked, SERVICES_QUERY, idle_stop))
        await asyncio.sleep(IDLE_SECONDS)  # the idle phase lasts this long: a duration, not a wait on something
        idle_stop.set()
        idle = await idle_loop
        applied = False
        try:
            stop = asyncio.Event()
            with TreeSampler(srv.pid) as sampler:
                loop = asyncio.create_task(query_loop(asked, SERVICES_QUERY, stop))
                try:
                    applied = True
                    wall, failed = await apply_all(api, ws, services)
                finally:
                    stop.set()
                    latencies = await loop
        finally:
            if applied:
                await run_all(api, ws, "destroyService", services)
            await ws.close()
    return {
        "count": count,
        "limit": limit,
        "cpus": (f"CPU {cpus}" if cpus else "any CPU")
        + (", SCHED_IDLE" if engine_idle else "")
        + ("" if session else ", in SpawnIt's session"),
        "asked": "idle neighbour" if neighbour else "this SpawnIt",
        "wall": wall,
        "failed": failed,
        "latencies": latencies,
        "idle_latencies": idle,
        "rounds": 1,
        "self": sampler.peak_self,
        "children": sampler.peak_children,
        "total": sampler.peak_total,
        "cpu": sampler.cpu_share,
    }


def summarised(result: dict) -> dict:
    return {**result, "q": Stats.of(result["latencies"]), "idle": Stats.of(result["idle_latencies"])}


def pooled(rounds: list[dict]) -> dict:
    """Rounds of one configuration as one row: latencies pooled (the p99 of one round of
    ~100 queries is its second-largest sample), the median wall time, the peaks' maxima."""
    first = rounds[0]
    walls = sorted(r["wall"] for r in rounds)
    return {
        **first,
        "wall": walls[len(walls) // 2],
        "failed": sum(r["failed"] for r in rounds),
        "latencies": [x for r in rounds for x in r["latencies"]],
        "idle_latencies": [x for r in rounds for x in r["idle_latencies"]],
        "rounds": len(rounds),
        **{k: max(r[k] for r in rounds) for k in ("self", "children", "total", "cpu")},
    }


async def run(report: Report, quick: bool, tmp: Path) -> None:
    counts, limits = ((4,), (2, 4)) if quick else ((20, 50), (2, 4, 8))
    n, p = min(counts), max(limits)
    rounds = 1 if quick else POOLED_ROUNDS
    results, default, neighboured, in_spawnit_session = [], [], [], []
    async with serving_process(tmp / "neighbour" / "data") as other, Api(other.url) as neighbour:
        for i in range(n):
            await neighbour.create_site(f"idle-{i}", free_port())
        for k in range(rounds):  # the row and its floor, alternating
            progress(f"{n} services, max parallel jobs {p}, round {k + 1} of {rounds}")
            default.append(await one(tmp / f"round-{k}", n, p))
            progress(f"{n} services, max parallel jobs {p}, engines in SpawnIt's session, round {k + 1}")
            in_spawnit_session.append(await one(tmp / f"round-{k}", n, p, session=False))
            progress(f"{n} services, max parallel jobs {p}, the query to an idle neighbour, round {k + 1}")
            neighboured.append(await one(tmp / f"round-{k}-neighboured", n, p, neighbour=neighbour))
    for count in counts:
        for limit in limits:
            if (count, limit) == (n, p):
                results.append(pooled(default))
                continue
            progress(f"{count} services, max parallel jobs {limit}")
            results.append(await one(tmp, count, limit))
    progress(f"{n} services, max parallel jobs {p}, SPAWNIT_ENGINE_IDLE=true")
    results.append(await one(tmp, n, p, engine_idle=True))
    results.append(pooled(in_spawnit_session))
    results.append(pooled(neighboured))
    if len(os.sched_getaffinity(0)) > 1:  # the same applies, the engines kept off the other CPUs
        progress(f"{n} services, max parallel jobs {p}, engines on CPU {engine_cpus()}")
        results.append(await one(tmp, n, p, cpus=engine_cpus()))
    results = [summarised(r) for r in results]
    rows = [
        (
            r["count"],
            r["limit"],
            r["cpus"],
            r["asked"],
            f"{r['wall']:.1f} s",
            f"{r['wall'] / r['count'] * 1000:.0f} ms",
            mib(r["self"]),
            mib(r["children"]),
            mib(r["total"]),
            f"{r['cpu']:.0%}",
            ms(r["q"].median),
            ms(r["q"].p99),
            ms(r["idle"].p99),
            f"{ratio(r['q'].p99, r['idle'].p99):.1f}×",
            r["q"].range(ms),
            r["q"].n,
            r["rounds"],
            r["failed"],
        )
        for r in results
    ]
    body = table(
        (
            "services",
            "max parallel jobs",
            "engines on",
            "query to",
            "wall time",
            "per service",
            "peak RSS SpawnIt",
            "peak RSS children",
            "peak RSS total",
            "SpawnIt CPU",
            "services query p50",
            "services query p99",
            "services query p99 idle",
            "p99 applies / idle",
            "query min–max",
            "queries",
            "rounds",
            "failed applies",
        ),
        rows,
    )
    body += (
        "\n\nRSS sampled from /proc every 50 ms; children = every descendant of the SpawnIt process at one "
        "instant (engines, `spawnit` provider plugins, and the sites they start until the provider exits). "
        "SpawnIt CPU: the API process's own CPU time over the wall time (share of one core). "
        f"Idle: the same query for {IDLE_SECONDS:g} s before the applies, no job running. Rounds: the "
        f"{max(limits)}-apply default, the same with the engines in SpawnIt's session and the idle neighbour are "
        f"measured in {rounds} round{'s' if rounds > 1 else ''}, alternating, "
        "their latencies pooled (wall time: the median round; RSS and CPU: the highest). "
        "Each service is new, so each apply includes its `init`. The query is sent every 50 ms "
        "(after the answer). A failed apply counts in the wall time as ended; see the README on the "
        "plugin-cache race. Query to an idle neighbour: a second SpawnIt process with as many services and "
        "no job is asked instead, its ratio is what the machine alone costs a query while the engines run. Engines "
        "on: SPAWNIT_ENGINE_CPUS (any CPU, the default; or the last CPU only, the API keeping the others); "
        "SCHED_IDLE: SPAWNIT_ENGINE_IDLE=true, the engines under the idle policy (opt-in; the default runs "
        "them under the normal policy at their niceness: an idle-policy engine stalls behind any other load, "
        "scenario 3's `jobLogs` x 1,000 row). In SpawnIt's session: SPAWNIT_ENGINE_SESSION=false, the engines "
        "and providers in the API's own scheduler group (the default starts them from a launcher in a session "
        "of their own, the group weighed at their niceness)."
    )
    report.add(Section("4. Parallel applies", body))
