"""6. Memory per idle service: resident memory of the API process (SpawnIt alone, in a
process of its own) with N services stored and none running, versus 0 services. Each
start answers the same warm-up queries, then waits for its RSS to settle; empty and full
data directories alternate."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.client import CATALOG_QUERY, SERVICES_QUERY, Api, populate
from bench.report import Report, Section, mib, table
from bench.sampling import rss
from bench.serving import serving_process
from bench.stats import Stats


async def settled_rss(data: Path, rest: float) -> int:
    async with serving_process(data) as srv, Api(srv.url) as api:
        for _ in range(10):
            await api.run(SERVICES_QUERY)
            await api.run(CATALOG_QUERY)
        await asyncio.sleep(rest)
        return rss(srv.pid)


async def run(report: Report, quick: bool, tmp: Path) -> None:
    stored, rounds, rest = (200, 1, 0.5) if quick else (1000, 3, 2.0)
    empty, full = tmp / "empty" / "data", tmp / "full" / "data"
    async with serving_process(full) as srv, Api(srv.url) as api:
        await populate(api, stored)
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        a.append(await settled_rss(empty, rest))
        b.append(await settled_rss(full, rest))
    sa, sb = Stats.of(a), Stats.of(b)
    per = (sb.median - sa.median) / stored
    body = table(
        ("services stored", "RSS median", "min–max", "starts"),
        [(0, mib(sa.median), sa.range(mib), sa.n), (f"{stored:,}", mib(sb.median), sb.range(mib), sb.n)],
    )
    body += (
        f"\n\nPer idle service: **{per / 1024:.1f} KiB** ((median with {stored:,} − median with 0) / {stored:,}). "
        f"RSS from /proc/<pid>/statm after 10 × (`services(first: 50)` + `catalog`) and {rest:g} s of rest."
    )
    report.add(Section("6. Memory per idle service", body))
