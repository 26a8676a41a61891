"""Finding and freezing the engine processes a SpawnIt server started (from /proc)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

ENGINE_WORDS = (b"app.engine.embedded", b"terraform", b"tofu")


def _stat(pid: int) -> list[bytes] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return raw.rsplit(b")", 1)[1].split()


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    fields = _stat(pid)
    return fields is not None and fields[0] != b"Z"


LAUNCHER = b"app.engine.launcher_process"


def starters(server: int) -> set[int]:
    """The processes that start a SpawnIt server's engines: the server and its launcher."""
    found = {server}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None and int(fields[1]) == server:
            with contextlib.suppress(OSError):
                if LAUNCHER in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
    return found


def engines_of(parent: int) -> list[int]:
    """Engine processes started for `parent` (the SpawnIt server), by it or its launcher."""
    found = []
    parents = starters(parent)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields is None or fields[0] == b"Z" or int(fields[1]) not in parents:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # the engine itself, not the providers it starts (their parent is the engine)
        if any(word in part for part in argv[:3] for word in ENGINE_WORDS):
            found.append(int(entry.name))
    return found


async def one_engine_of(parent: int) -> int:
    """The one engine `parent` runs, once it runs one (the caller knows a job is in it)."""
    while True:
        found = engines_of(parent)
        if len(found) == 1:
            return found[0]
        assert len(found) < 2, f"more than one engine runs: {found}"
        await asyncio.sleep(0.05)


FROZEN: set[int] = set()  # killed after each test if still there (see conftest.py)


def freeze(pid: int) -> None:
    """SIGSTOP: the engine ignores SIGINT (and everything but SIGKILL) from now on."""
    FROZEN.add(pid)
    os.kill(pid, signal.SIGSTOP)


def kill_frozen() -> list[int]:
    """SIGKILL every engine a test froze that is still there (a failed test's); their pids."""
    left = [pid for pid in FROZEN if alive(pid)]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    FROZEN.clear()
    return left


def thaw(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGCONT)


def stopped(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] in (b"T", b"t")


async def freeze_the_next_engine(parent: int) -> int:
    """Freeze the first engine of `parent` caught alive (one may end between being seen
    and being stopped: then the next one is taken)."""
    while True:
        for pid in engines_of(parent):
            with contextlib.suppress(ProcessLookupError):
                freeze(pid)
            if stopped(pid):
                return pid
        await asyncio.sleep(0.01)
