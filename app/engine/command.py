"""The engine as a child process: started from an argument list, read line by line,
stopped with SIGINT (graceful) and, past a grace period, SIGKILL of its whole group.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import signal
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    # If SpawnIt dies, the engine gets SIGTERM: it stops gracefully and writes state,
    # instead of running on unseen. Only a prctl call: nothing that takes a lock.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:
        pass


def _prepare_child(nice: int) -> None:  # pragma: no cover - runs in the forked child
    _die_with_parent()
    if nice:
        # a lower CPU priority than SpawnIt's (inherited by the providers the engine starts):
        # a plain syscall, nothing that takes a lock
        try:
            os.nice(nice)
        except OSError:
            pass


class EngineCommand:
    """One running engine command."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self._proc = proc

    @classmethod
    async def start(cls, argv: list[str], cwd: Path, env: Mapping[str, str], *, nice: int = 0) -> EngineCommand:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=str(cwd),
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=functools.partial(_prepare_child, nice),
            limit=1 << 20,
        )
        return cls(proc)

    @property
    def pid(self) -> int:
        return self._proc.pid

    async def lines(self) -> AsyncIterator[str]:
        assert self._proc.stdout is not None
        while True:
            try:
                raw = await self._proc.stdout.readline()
            except ValueError:  # a line longer than the limit: take what is there
                raw = await self._proc.stdout.read(1 << 20)
            if not raw:
                return
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")

    async def wait(self) -> int:
        return await self._proc.wait()

    def interrupt(self) -> None:
        """SIGINT to the engine alone: it stops cleanly and writes its state."""
        self._signal(signal.SIGINT, group=False)

    def kill(self) -> None:
        """SIGKILL to the engine and everything it started (its process group)."""
        self._signal(signal.SIGKILL, group=True)

    def _signal(self, sig: int, *, group: bool) -> None:
        if self._proc.returncode is not None:
            return
        try:
            if group:
                os.killpg(self._proc.pid, sig)
            else:
                os.kill(self._proc.pid, sig)
        except ProcessLookupError:
            pass
