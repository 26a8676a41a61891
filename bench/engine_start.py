"""11. Starting an engine: how long the API's event loop is held, A/B alternating in one
process under uvloop (what uvicorn runs when installed), grown to SpawnIt's size under
8 applies (table 4) and beyond: uvloop's `create_subprocess_exec` (a `fork` of the
whole process, what SpawnIt did) and SpawnIt's `spawn` (`vfork` from a worker thread,
app/engine/spawn.py). The child is `/bin/true`; held = the longest gap a 1 ms ticker on
the loop sees while one start is awaited, less its 1 ms."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import PYTHON, ROOT
from bench.report import Report, Section, ms, table
from bench.stats import Stats

SIZES_MIB = (90, 300)
SIDES = ("uvloop create_subprocess_exec (fork, before)", "SpawnIt spawn (vfork in a worker thread)")


async def _held_while(start: Callable[[], Awaitable[Any]]) -> float:
    """Milliseconds of the longest loop gap while `start()` is awaited."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last - 0.001)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.005)  # the ticker runs
    gaps.clear()
    child = await start()
    await asyncio.sleep(0.002)  # a gap that ends after the start is counted
    done.set()
    await tick
    await child.wait()
    return max(gaps, default=0.0) * 1000


async def _measure(rounds: int) -> dict[str, list[float]]:
    from app.engine.spawn import spawn

    def before() -> Awaitable[Any]:
        return asyncio.create_subprocess_exec("/bin/true", stdin=subprocess.DEVNULL, start_new_session=True)

    def now() -> Awaitable[Any]:
        null = subprocess.DEVNULL
        return spawn(["/bin/true"], cwd=Path("/"), env={"PATH": os.defpath}, stdout=null, stderr=null)

    held: dict[str, list[float]] = {side: [] for side in SIDES}
    for _ in range(rounds):
        for side, start in zip(SIDES, (before, now), strict=True):
            held[side].append(await _held_while(start))
    return held


def child(mib: int, rounds: int) -> None:  # pragma: no cover - the measuring process
    import uvloop

    ballast = [bytearray(1 << 20) for _ in range(mib)]  # pages touched: copied by a fork
    for block in ballast:
        block[::4096] = b"\1" * len(block[::4096])
    print(json.dumps(uvloop.run(_measure(rounds))))


async def run(report: Report, quick: bool, tmp: Path) -> None:
    rounds = 5 if quick else 30
    rows, ratios = [], []
    for mib in SIZES_MIB[:1] if quick else SIZES_MIB:
        argv = [PYTHON, "-m", "bench.engine_start", str(mib), str(rounds)]
        out = await asyncio.to_thread(subprocess.run, argv, cwd=ROOT, capture_output=True, check=True)
        held = {side: Stats.of(xs) for side, xs in json.loads(out.stdout).items()}
        for side, stats in held.items():
            rows.append((f"{mib} MiB", side, ms(stats.median), ms(stats.p99), ms(stats.max), stats.n))
        ratios.append(f"{mib} MiB: {held[SIDES[0]].median / max(held[SIDES[1]].median, 1e-3):.0f}×")
    text = table(("process size", "start", "loop held p50", "p99", "max", "starts"), rows)
    text += (
        "\n\nMedian loop hold, before / now: " + ", ".join(ratios) + ". A job starts one or two engine "
        "commands (an init when needed, then the plan, apply or destroy); under 8 applies each start waits "
        "longer (busy CPUs), a wait the worker thread takes now instead of the loop. A/B alternating."
    )
    report.add(Section("11. Engine start: the event loop held", text))


if __name__ == "__main__":
    child(int(sys.argv[1]), int(sys.argv[2]))
