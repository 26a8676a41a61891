"""Engines left running by a SpawnIt process that died (normally gone already: they get
SIGTERM when their parent dies). Only a process that looks like an engine is touched."""

from __future__ import annotations

import asyncio
import os
import signal


async def reap(pid: int | None, grace: float) -> None:
    """SIGINT, then SIGKILL of its group past `grace` seconds."""
    if not pid or not _looks_like_engine(pid):
        return
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while loop.time() < deadline:
        if not _looks_like_engine(pid):
            return
        await asyncio.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _looks_like_engine(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            if fh.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                return False
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read()
    except (FileNotFoundError, IndexError, ProcessLookupError):
        return False
    return any(word in cmdline for word in (b"terraform", b"tofu", b"app.engine.embedded"))
