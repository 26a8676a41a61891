"""1. Overhead: a plan and an apply of one service through SpawnIt (mutation → SUCCEEDED
seen on `jobUpdates`) versus the same engine commands run directly on an equivalent work
directory. A and B alternate; every apply starts from a destroyed service (the destroys
are not timed)."""

from __future__ import annotations

import time
from pathlib import Path

from bench.direct import DirectWorkdir, stored_tfvars
from bench.harness import (Api, Report, Section, Stats, Ws, alternate, bench_settings, free_port, ms, ratio,
                           run_job, serving, table, verdict)

TARGET_RATIO = 1.10
TARGET_ADDED_MS = 50.0


async def timed_job(api: Api, ws: Ws, mutation: str, service_id: str) -> float:
    t0 = time.perf_counter()
    await run_job(api, ws, mutation, service_id)
    return (time.perf_counter() - t0) * 1000


def row(name: str, a: list[float], b: list[float]) -> tuple[list[str], bool]:
    sa, sb = Stats.of(a), Stats.of(b)
    r, added = ratio(sa.median, sb.median), sa.median - sb.median
    ok = r <= TARGET_RATIO and added <= TARGET_ADDED_MS
    cells = [name, f"{ms(sa.median)} (p90 {ms(sa.p90)})", sa.range(ms), f"{ms(sb.median)} (p90 {ms(sb.p90)})",
             sb.range(ms), f"{r:.2f}", f"{added:+.0f} ms", str(sa.n), verdict(ok)]
    return cells, ok


async def run(report: Report, quick: bool, tmp: Path) -> None:
    settings = bench_settings(tmp / "data")
    plans, applies = (2, 1) if quick else (15, 10)
    async with serving(settings) as srv, Api(srv.url) as api:
        ws = await Ws.open(api.ws_url)
        spawnit = await api.create_site("overhead", free_port())
        # the direct side's variables: rendered by SpawnIt for a twin service it never runs
        twin = await api.create_site("overhead-direct", free_port())
        direct = DirectWorkdir(settings, tmp / "direct", stored_tfvars(settings, twin))
        applied = {"a": False, "b": False}
        try:
            # warm-up, not timed: both initialized, both caches hot
            await run_job(api, ws, "planService", spawnit)
            await direct.init()
            await direct.plan()

            async def plan_a() -> float:
                return await timed_job(api, ws, "planService", spawnit)

            async def plan_b() -> float:
                return await direct.plan() * 1000

            async def apply_a() -> float:
                took = await timed_job(api, ws, "applyService", spawnit)
                applied["a"] = True
                await run_job(api, ws, "destroyService", spawnit)
                applied["a"] = False
                return took

            async def apply_b() -> float:
                applied["b"] = True
                took = await direct.apply() * 1000
                await direct.destroy()
                applied["b"] = False
                return took

            if not quick:
                await apply_a(), await apply_b()  # warm-up
            plan_rows = await alternate(plans, plan_a, plan_b)
            apply_rows = await alternate(applies, apply_a, apply_b)
        finally:
            if applied["a"]:
                await run_job(api, ws, "destroyService", spawnit)
            if applied["b"]:
                await direct.destroy()
            await ws.close()
    rows, oks = zip(*(row("plan", *plan_rows), row("apply", *apply_rows)))
    body = table(
        ("job", "SpawnIt median", "SpawnIt min–max", "direct median", "direct min–max", "ratio",
         "added per job", "runs (each side)", f"target ≤ {TARGET_RATIO:.2f} and ≤ +{TARGET_ADDED_MS:.0f} ms"),
        rows,
    )
    body += ("\n\nSpawnIt: `planService`/`applyService` mutation sent → SUCCEEDED received on `jobUpdates` "
             "(one websocket, opened beforehand). Direct: `python -m app.engine.embedded` with the same "
             "flags on an equivalent work directory, output read to the end. A and B alternate; "
             "each apply starts from a destroyed service.")
    report.add(Section("1. Overhead of SpawnIt over the engine", body))
