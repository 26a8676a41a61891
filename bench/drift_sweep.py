"""7. Drift sweep: N applied services checked by the drift watcher with
SPAWNIT_DRIFT_MAX_PARALLEL = 2 and 4. SpawnIt (a process of its own) starts on a data
directory whose services are applied and all due (their last check or apply is older than
the interval; jitter 0); the interval is longer than a sweep plus the idle phase, so each
service is checked once per measurement. Measured: the sweep's wall time (first check
created → last check finished, from the jobs' own timestamps), peak RSS of SpawnIt and its
process tree, and the latency of a `services(first: 50)` query sent in a loop during the
sweep versus right after it (idle, same process)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.client import QUERY_PAUSE, SERVICES_QUERY, Api, Ws, run_all
from bench.report import Report, Section, mib, ms, progress, ratio, table
from bench.sampling import TreeSampler, tree_cpu_seconds
from bench.serving import serving_process
from bench.stats import Stats
from tests.support import free_port, stop_leftovers

JOBS_QUERY = """{ services(first: 50) { edges { node { id drift { status checkedAt } updatedAt
  jobs(first: 50) { edges { node { kind createdAt finishedAt } } } } } } }"""


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


async def latest_change(api: Api) -> datetime:
    """The last apply or check of any service (a sweep can start `interval` after it)."""
    nodes = [e["node"] for e in (await api.run(JOBS_QUERY))["services"]["edges"]]
    return max(when(n["drift"]["checkedAt"]) or when(n["updatedAt"]) for n in nodes)


async def wait_until_due(last: datetime, interval: float) -> None:
    delay = (last - datetime.now(UTC)).total_seconds() + interval + 0.5
    if delay > 0:
        await asyncio.sleep(delay)


def checks_since(node: dict, since: datetime) -> list[dict]:
    """The service's DRIFT_CHECK jobs created after `since`, oldest first."""
    jobs = [j["node"] for j in node["jobs"]["edges"]]
    return sorted(
        (j for j in jobs if j["kind"] == "DRIFT_CHECK" and when(j["createdAt"]) > since),
        key=lambda j: when(j["createdAt"]),
    )


async def sweep(
    data: Path, count: int, cap: int, reattach: bool, interval: float, idle_s: float, destroy: list[str]
) -> dict:
    """One measured sweep; then, not timed, destroy the services of `destroy`."""
    env = {
        "SPAWNIT_DRIFT_INTERVAL_SECONDS": str(interval),
        "SPAWNIT_DRIFT_JITTER_SECONDS": "0",
        "SPAWNIT_DRIFT_MAX_PARALLEL": str(cap),
        "SPAWNIT_PROVIDER_REATTACH": "true" if reattach else "false",
        "SPAWNIT_MAX_PARALLEL_JOBS": str(min(count, 8)),
    }
    since = datetime.now(UTC)
    async with serving_process(data, env, kill_leftovers=False) as srv, Api(srv.url) as api:
        during: list[float] = []
        cpu0 = tree_cpu_seconds(srv.pid)
        with TreeSampler(srv.pid) as sampler:
            deadline = time.monotonic() + 5 * interval
            while True:
                t0 = time.perf_counter()
                answer = await api.run(SERVICES_QUERY)
                during.append((time.perf_counter() - t0) * 1000)
                checked = [when(e["node"]["drift"]["checkedAt"]) for e in answer["services"]["edges"]]
                if all(c is not None and c > since for c in checked):
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("the sweep did not end within five intervals")
                await asyncio.sleep(QUERY_PAUSE)
        swept = tree_cpu_seconds(srv.pid) - cpu0
        idle: list[float] = []
        cpu1, t1 = tree_cpu_seconds(srv.pid), time.perf_counter()
        end = time.perf_counter() + idle_s
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            await api.run(SERVICES_QUERY)
            idle.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(QUERY_PAUSE)
        idle_rate = (tree_cpu_seconds(srv.pid) - cpu1) / (time.perf_counter() - t1)  # the query loop alone
        nodes = [e["node"] for e in (await api.run(JOBS_QUERY))["services"]["edges"]]
        last = await latest_change(api)
        if destroy:
            progress("destroying")
            ws = await Ws.open(api.ws_url)
            await run_all(api, ws, "destroyService", destroy)
            destroy.clear()
            await ws.close()
    checks = [checks_since(n, since) for n in nodes]
    first = [c[0] for c in checks if c]  # a sweep that outlasts the interval starts a second round
    wall = (max(when(c["finishedAt"]) for c in first) - min(when(c["createdAt"]) for c in first)).total_seconds()
    verdicts = sorted({n["drift"]["status"] for n in nodes})
    return {
        "cap": cap,
        "reattach": reattach,
        "wall": wall,
        "checks": sum(len(c) for c in checks),
        "during": Stats.of(during),
        "idle": Stats.of(idle),
        "self": sampler.peak_self,
        "children": sampler.peak_children,
        "total": sampler.peak_total,
        "cpu": sampler.cpu_share,
        "swept": swept,
        "queries_cpu": idle_rate * sampler.wall,
        "verdicts": ", ".join(verdicts),
        "last": last,
    }


async def run(report: Report, quick: bool, tmp: Path) -> None:
    count, interval, idle_s = (6, 5.0, 0.5) if quick else (50, 60.0, 8.0)
    results = await measure(tmp, count, interval, idle_s)
    report.add(Section("7. Drift sweep", body(results, count, interval, idle_s)))


async def measure(tmp: Path, count: int, interval: float, idle_s: float) -> list[dict]:
    """`count` services applied, then one sweep per drift cap, each by a server of its
    own; the services destroyed at the end."""
    sweeps = ((2, True), (2, False), (4, True))  # (drift cap, provider reattached): A/B at cap 2
    data = tmp / "data"
    results = []
    services: list[str] = []  # applied and not yet destroyed
    try:
        async with (
            serving_process(data, {"SPAWNIT_MAX_PARALLEL_JOBS": str(min(count, 8))}, kill_leftovers=False) as srv,
            Api(srv.url) as api,
        ):
            ws = await Ws.open(api.ws_url)
            services = [await api.create_site(f"drift-{i}", free_port()) for i in range(count)]
            await run_all(api, ws, "applyService", services)
            progress(f"{count} services applied")
            await ws.close()
            last = await latest_change(api)
        for cap, reattach in sweeps:
            await wait_until_due(last, interval)
            progress(f"sweep with drift max parallel {cap}, provider reattached: {reattach}")
            destroy = services if (cap, reattach) == sweeps[-1] else []  # the last server destroys them all
            results.append(await sweep(data, count, cap, reattach, interval, idle_s, destroy))
            last = results[-1]["last"]
    finally:
        if services:  # a measurement failed: destroy what is left
            async with (
                serving_process(data, {"SPAWNIT_MAX_PARALLEL_JOBS": str(min(count, 8))}) as srv,
                Api(srv.url) as api,
            ):
                ws = await Ws.open(api.ws_url)
                await run_all(api, ws, "destroyService", services)
                await ws.close()
        stop_leftovers(data / "run")
    return results


def per_check(r: dict) -> float:
    return max(r["swept"] - r["queries_cpu"], 1e-9) / max(r["checks"], 1)


def body(results: list[dict], count: int, interval: float, idle_s: float) -> str:
    """The section's markdown: a row per sweep and notes."""
    rows = [
        (
            count,
            r["cap"],
            "one per process, reattached" if r["reattach"] else "one per engine (before)",
            f"{r['wall']:.1f} s",
            r["checks"],
            r["verdicts"],
            mib(r["self"]),
            mib(r["children"]),
            mib(r["total"]),
            f"{r['cpu']:.0%}",
            ms(r["during"].median),
            ms(r["during"].p99),
            ms(r["idle"].median),
            ms(r["idle"].p99),
            f"{ratio(r['during'].p99, r['idle'].p99):.1f}×",
            f"{per_check(r):.3f} s",
            f"{300 / per_check(r):,.0f}",
        )
        for r in results
    ]
    text = table(
        (
            "services",
            "drift max parallel",
            "local provider",
            "sweep wall time",
            "checks",
            "verdicts",
            "peak RSS SpawnIt",
            "peak RSS children",
            "peak RSS total",
            "SpawnIt CPU",
            "query p50 sweep",
            "query p99 sweep",
            "query p50 idle",
            "query p99 idle",
            "p99 sweep / idle",
            "CPU per check",
            "drift capacity (300 s, 1 core)",
        ),
        rows,
    )
    text += (
        f"\n\nInterval {interval:g} s, jitter 0; `services(first: 50)` sent every 50 ms (after the answer) "
        f"during the sweep (until every service shows a new `drift.checkedAt`), then for {idle_s:g} s idle. "
        "SpawnIt CPU: the API process's own CPU time during the sweep over its wall time. Checks = DRIFT_CHECK jobs created during the measurement (as many as services unless the sweep "
        "outlasted the interval and a second round began; the wall time counts each service's first check only). CPU per check = the CPU time of SpawnIt "
        "and every child it reaped (engines, and the providers they started: /proc stat utime + stime + "
        "cutime + cstime) during the sweep, less what the query loop costs (its CPU rate in the idle phase × "
        "the sweep's time), / checks. Drift capacity = services checked every 300 s on one core = 300 / CPU "
        "per check. Local provider: SPAWNIT_PROVIDER_REATTACH (true: the checks' engines reattach to one "
        "provider per SpawnIt process, whose own CPU is counted too; false: each engine starts its own, 3 "
        "times per check)."
    )
    return text
