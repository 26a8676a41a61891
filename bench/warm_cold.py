"""2. Warm vs cold: a second plan of a service through SpawnIt (init skipped: the work
directory's init hash is unchanged) versus init + plan run directly every time, as a
naive orchestrator would. A and B alternate."""

from __future__ import annotations

import time
from pathlib import Path

from bench.client import Api, Ws, run_job
from bench.direct import DirectWorkdir, stored_tfvars
from bench.report import Report, Section, ms, ratio, table
from bench.serving import bench_settings, serving
from bench.stats import Stats, alternate
from tests.support import free_port


async def run(report: Report, quick: bool, tmp: Path) -> None:
    settings = bench_settings(tmp / "data")
    rounds = 2 if quick else 12
    async with serving(settings) as srv, Api(srv.url) as api:
        ws = await Ws.open(api.ws_url)
        try:
            spawnit = await api.create_site("warm", free_port())
            twin = await api.create_site("cold-direct", free_port())
            direct = DirectWorkdir(settings, tmp / "direct", stored_tfvars(settings, twin))
            await run_job(api, ws, "planService", spawnit)  # the first plan inits, not timed

            async def warm() -> float:
                t0 = time.perf_counter()
                await run_job(api, ws, "planService", spawnit)
                return (time.perf_counter() - t0) * 1000

            async def cold() -> float:
                return (await direct.init() + await direct.plan()) * 1000

            a, b = await alternate(rounds, warm, cold)
        finally:
            await ws.close()
    sa, sb = Stats.of(a), Stats.of(b)
    body = table(
        ("plan", "median", "p90", "min–max", "runs"),
        [
            ("SpawnIt, warm (init skipped)", ms(sa.median), ms(sa.p90), sa.range(ms), sa.n),
            ("direct init + plan, every time", ms(sb.median), ms(sb.p90), sb.range(ms), sb.n),
        ],
    )
    body += (
        f"\n\nRatio warm / cold (medians): **{ratio(sa.median, sb.median):.2f}** "
        f"({ms(sb.median - sa.median)} saved per plan by skipping init)."
    )
    report.add(Section("2. Warm plan vs init + plan", body))
