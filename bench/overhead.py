"""1. Overhead: a plan and an apply of one service through SpawnIt (mutation → SUCCEEDED
seen on `jobUpdates`) versus the same engine commands run directly on an equivalent work
directory. A and B alternate; every apply starts from a destroyed service (the destroys
are not timed). Each SpawnIt job is also taken apart with its own timestamps (created,
log lines' `at`) to show where SpawnIt's own time goes, independent of round-to-round noise."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from bench.client import Api, Ws, run_job
from bench.direct import DirectWorkdir, stored_tfvars
from bench.report import Report, Section, ms, ratio, table, verdict
from bench.serving import bench_settings, serving
from bench.stats import Stats, alternate
from tests.support import free_port

TARGET_RATIO = 1.10
TARGET_ADDED_MS = 50.0


JOB_TIMES = """query($id: ID!) { job(id: $id) { state createdAt logs(fromLine: 0, limit: null) { text at } } }"""
PARTS = (
    "mutation answered",
    "created → engine started",
    "engine (start → last line)",
    "last line → SUCCEEDED at the client",
    "SpawnIt's own (total − engine)",
)


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


async def timed_job(api: Api, ws: Ws, mutation: str, service_id: str, parts: list[dict[str, float]]) -> float:
    """One job through SpawnIt: ms from the mutation sent to SUCCEEDED received; its
    break-down (ms) appended to `parts`."""
    t0 = time.time()
    job_id = await api.submit(mutation, service_id)
    t1 = time.time()
    state = await ws.wait_job(job_id)
    t2 = time.time()
    if state != "SUCCEEDED":
        raise RuntimeError(f"{mutation}: job {job_id} ended {state}")
    job = (await api.run(JOB_TIMES, id=job_id))["job"]
    lines = job["logs"]
    # "$ embedded <command> ..." is logged just before the engine starts; the closing line
    # ("job succeeded") just after it ended
    start = next(i for i, line in enumerate(lines) if line["text"].startswith(f"$ embedded {mutation[:-7].lower()}"))
    engine = epoch(lines[-2]["at"]) - epoch(lines[start]["at"])
    parts.append(
        {
            PARTS[0]: t1 - t0,
            PARTS[1]: epoch(lines[start]["at"]) - epoch(job["createdAt"]),
            PARTS[2]: engine,
            PARTS[3]: t2 - epoch(lines[-2]["at"]),
            PARTS[4]: (t2 - t0) - engine,
        }
    )
    parts[-1] = {k: v * 1000 for k, v in parts[-1].items()}
    return (t2 - t0) * 1000


def row(name: str, a: list[float], b: list[float]) -> tuple[list[str], bool]:
    """Ratio of the medians; added = the median of the rounds' differences A − B (each
    pair ran back to back, so a change of machine load between rounds cancels out)."""
    sa, sb = Stats.of(a), Stats.of(b)
    r, added = ratio(sa.median, sb.median), Stats.of([x - y for x, y in zip(a, b, strict=False)]).median
    ok = r <= TARGET_RATIO and added <= TARGET_ADDED_MS
    cells = [
        name,
        f"{ms(sa.median)} (p90 {ms(sa.p90)})",
        sa.range(ms),
        f"{ms(sb.median)} (p90 {ms(sb.p90)})",
        sb.range(ms),
        f"{r:.2f}",
        f"{added:+.0f} ms",
        str(sa.n),
        verdict(ok),
    ]
    return cells, ok


Rounds = tuple[list[float], list[float]]
Parts = list[dict[str, float]]


async def run(report: Report, quick: bool, tmp: Path) -> None:
    plan_rows, apply_rows, plan_parts, apply_parts = await measure(quick, tmp)
    report.add(Section("1. Overhead of SpawnIt over the engine", body(plan_rows, apply_rows, plan_parts, apply_parts)))


async def measure(quick: bool, tmp: Path) -> tuple[Rounds, Rounds, Parts, Parts]:
    """Plans, then applies, A (SpawnIt) and B (direct) alternating: their times in ms and
    the break-down of each SpawnIt job."""
    settings = bench_settings(tmp / "data")
    plans, applies = (2, 1) if quick else (20, 12)
    async with serving(settings) as srv, Api(srv.url) as api:
        ws = await Ws.open(api.ws_url)
        spawnit = await api.create_site("overhead", free_port())
        # the direct side's variables: rendered by SpawnIt for a twin service it never runs
        twin = await api.create_site("overhead-direct", free_port())
        direct = DirectWorkdir(settings, tmp / "direct", stored_tfvars(settings, twin))
        applied = {"a": False, "b": False}
        plan_parts: Parts = []
        apply_parts: Parts = []
        try:
            # warm-up, not timed: both initialized, both caches hot
            await run_job(api, ws, "planService", spawnit)
            await direct.init()
            await direct.plan()

            async def plan_a() -> float:
                return await timed_job(api, ws, "planService", spawnit, plan_parts)

            async def plan_b() -> float:
                return await direct.plan() * 1000

            async def apply_a() -> float:
                took = await timed_job(api, ws, "applyService", spawnit, apply_parts)
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
                apply_parts.clear()
            plan_rows = await alternate(plans, plan_a, plan_b)
            apply_rows = await alternate(applies, apply_a, apply_b)
        finally:
            if applied["a"]:
                await run_job(api, ws, "destroyService", spawnit)
            if applied["b"]:
                await direct.destroy()
            await ws.close()
    return plan_rows, apply_rows, plan_parts, apply_parts


def body(plan_rows: Rounds, apply_rows: Rounds, plan_parts: Parts, apply_parts: Parts) -> str:
    """The section's markdown: the comparison table, the break-down table and notes."""
    rows, oks = zip(*(row("plan", *plan_rows), row("apply", *apply_rows)), strict=False)
    text = table(
        (
            "job",
            "SpawnIt median",
            "SpawnIt min–max",
            "direct median",
            "direct min–max",
            "ratio",
            "added per job",
            "runs (each side)",
            f"target ≤ {TARGET_RATIO:.2f} and ≤ +{TARGET_ADDED_MS:.0f} ms",
        ),
        rows,
    )
    text += (
        "\n\nSpawnIt: `planService`/`applyService` mutation sent → SUCCEEDED received on `jobUpdates` "
        "(one websocket, opened beforehand). Direct: `python -m app.engine.embedded` with the same "
        "flags on an equivalent work directory, output read to the end. A and B alternate; "
        "each apply starts from a destroyed service. Ratio = median A / median B; added per job = "
        "median of the per-round differences A − B."
    )
    text += "\n\nWhere a SpawnIt job's time goes (medians, from the job's own timestamps):\n\n"
    text += table(
        ("job", *PARTS),
        [
            (name, *(ms(Stats.of([p[k] for p in parts]).median) for k in PARTS))
            for name, parts in (("plan", plan_parts), ("apply", apply_parts))
        ],
    )
    text += (
        "\n\nThe engine span runs from the `$ embedded …` log line (written just before the child "
        "process is started) to the engine's last output line; its exit, the job's record and log, the "
        "service's bookkeeping (for an apply: a health probe of the new endpoint) and the final "
        "`jobUpdates` message come after it."
    )
    return text
