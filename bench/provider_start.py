"""9. Starting the `spawnit` provider plugin (the engine starts it 3 to 5 times per job):
CPU time of one start, up to its go-plugin handshake, A/B alternating: SpawnIt's entry
point (tf's cached certificate read without `cryptography`) and tf's own `run_provider`
on the same provider (the cache loaded with `cryptography`, as before)."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
from pathlib import Path

from bench import PYTHON, ROOT
from bench.report import Report, Section, ms, table
from bench.stats import Stats

BEFORE = (
    "from app.localtarget.provider import SpawnitProvider, watch_for_stop\n"
    "from tf.runner import run_provider\n"
    "watch_for_stop()\n"
    "run_provider(SpawnitProvider())\n"
)
SIDES = (
    ("SpawnIt's entry point (cached certificate, no cryptography)", ["-m", "app.localtarget.provider"]),
    ("tf's run_provider (before)", ["-c", BEFORE]),
)


def one_start(args: list[str]) -> float:
    """CPU seconds of one provider process, from exec to its handshake line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([PYTHON, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    assert proc.stdout is not None
    handshake = proc.stdout.readline()
    proc.terminate()
    proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if handshake.count(b"|") != 5:
        raise RuntimeError(f"no handshake from the provider: {handshake!r}")
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


async def run(report: Report, quick: bool, tmp: Path) -> None:
    rounds = 5 if quick else 20
    cpu: dict[str, list[float]] = {name: [] for name, _ in SIDES}
    await asyncio.to_thread(one_start, SIDES[0][1])  # tf's certificate cache made, if missing
    for _ in range(rounds):
        for name, args in SIDES:
            cpu[name].append(await asyncio.to_thread(one_start, args) * 1000)
    rows = [(name, ms(Stats.of(xs).median), Stats.of(xs).range(ms), len(xs)) for name, xs in cpu.items()]
    new, old = (Stats.of(cpu[name]).median for name, _ in SIDES)
    text = table(("provider start", "CPU median", "CPU min–max", "starts"), rows)
    text += (
        f"\n\nRatio {new / old:.2f} ({old - new:.0f} ms of CPU saved per start; a plan starts the provider 3 "
        "times, an apply or a destroy 5). CPU = user + system time of the provider process (getrusage of "
        "reaped children), from exec to the go-plugin handshake line, then SIGTERM. A/B alternating."
    )
    report.add(Section("9. Provider start", text))
