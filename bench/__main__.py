"""`python -m bench [--quick] [--only NAME]`: run the scenarios against SpawnIt on
loopback, print a markdown table per scenario and write them to bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import importlib
import logging
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.report import Report, Section, machine

SCENARIOS = [
    "overhead",
    "warm_cold",
    "log_stream",
    "parallel",
    "api",
    "memory",
    "drift_sweep",
    "provider_start",
    "masker",
    "scale_out",
    "engine_start",
]
RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small CI smoke run (under 2 minutes)")
    parser.add_argument("--only", choices=SCENARIOS, action="append", help="run only this scenario (repeatable)")
    parser.add_argument(
        "--all-lines",
        action="store_true",
        help="log_stream: 10,000 lines at 1,000 subscribers too (about half an hour)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directories")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    names = args.only or SCENARIOS
    if args.all_lines:
        importlib.import_module("bench.log_stream").ALL_LINES = True
    report = Report(args.quick)
    tmp = Path(tempfile.mkdtemp(prefix="spawnit-bench-"))
    started = time.monotonic()
    failed = []
    header = machine()
    print(header, flush=True)
    try:
        for name in names:
            module = importlib.import_module(f"bench.{name}")
            print(f"\n… {name}", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            try:
                asyncio.run(module.run(report, args.quick, tmp / name))
            except Exception:
                failed.append(name)
                report.add(Section(f"{name}: FAILED", "```\n" + traceback.format_exc() + "```"))
            print(f"… {name}: {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    took = time.monotonic() - started
    header += f"\n| load average at end | {' '.join(Path('/proc/loadavg').read_text().split()[:3])} |"
    mode = "quick" if args.quick else "full"
    title = (
        f"## SpawnIt benchmarks, {datetime.date.today().isoformat()} ({mode} run"
        f"{', only ' + ', '.join(names) if args.only else ''}: {took:.0f} s)"
    )
    text = report.markdown(
        f"{title}\n\nCommand: `.venv/bin/python -m bench{' --quick' if args.quick else ''}"
        f"{''.join(' --only ' + n for n in args.only or [])}`\n\n{header}"
    )
    RESULTS.mkdir(exist_ok=True)
    suffix = "-quick" if args.quick else ""
    if args.only:
        suffix += "-only-" + "-".join(names)
    out = RESULTS / f"{datetime.date.today().isoformat()}{suffix}.md"
    tmp_out = out.with_name(out.name + ".tmp")
    tmp_out.write_text(text)
    tmp_out.replace(out)
    print(f"\nwritten: {out} ({took:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
