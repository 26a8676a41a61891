"""Resident memory and CPU time of a process and of its descendants, read from /proc,
and their peaks sampled in a thread while a scenario runs."""

from __future__ import annotations

import os
import threading
import time

from app.localtarget.lineage import descendants

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss(pid: int) -> int:
    """Resident bytes of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _with_reaped(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / _TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process, of the children it reaped (engines,
    and through them the providers they started) and of its live descendants (a
    long-running provider)."""
    return _with_reaped(pid) + sum(_with_reaped(child) for child in descendants(pid))


class TreeSampler:
    """Peak RSS of a process and, separately, of all its descendants (their sum at one
    instant), sampled every `every` seconds in a thread; and the process's own CPU use
    (share of one core) over the sampled time."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid = pid
        self.every = every
        self.peak_self = 0
        self.peak_children = 0
        self.peak_total = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            own = rss(self.pid)
            kids = sum(rss(p) for p in descendants(self.pid))
            self.peak_self = max(self.peak_self, own)
            self.peak_children = max(self.peak_children, kids)
            self.peak_total = max(self.peak_total, own + kids)
            self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self) -> TreeSampler:
        self._cpu0, self._t0 = cpu_seconds(self.pid), time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.wall = max(time.monotonic() - self._t0, 1e-9)
        self.cpu_share = (cpu_seconds(self.pid) - self._cpu0) / self.wall
