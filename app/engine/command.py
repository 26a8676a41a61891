"""The engine as a child process: started from an argument list, read line by line,
stopped with SIGINT (graceful) and, past a grace period, SIGKILL of its whole group.

Its output (stdout and stderr, one pipe) is read by a thread of its own and each line
stamped when read: however busy the event loop is (a crowd of log followers), the
engine never waits on a full pipe and a line's time is when the engine wrote it, not
when the loop got round to it. At most `PENDING` lines wait for the loop; past that the
reader waits (memory stays bounded), which only a stalled loop would cause.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import signal
import threading
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path

from app.clock import now

_PR_SET_PDEATHSIG = 1
LINE_LIMIT = 1 << 20  # a longer line is cut in pieces of this size
PENDING = 100_000  # lines read but not yet taken by the event loop


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

    def __init__(self, proc: asyncio.subprocess.Process, output: int) -> None:
        self._proc = proc
        self._lines: asyncio.Queue[tuple[datetime, str] | None] = asyncio.Queue()
        self._room = threading.Semaphore(PENDING)
        loop = asyncio.get_running_loop()
        self._reader = threading.Thread(target=self._read, args=(output, loop), name=f"engine-{proc.pid}", daemon=True)
        self._reader.start()

    @classmethod
    async def start(cls, argv: list[str], cwd: Path, env: Mapping[str, str], *, nice: int = 0) -> EngineCommand:
        read_end, write_end = os.pipe()
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(cwd),
                env=dict(env),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=write_end,
                stderr=write_end,
                start_new_session=True,
                preexec_fn=functools.partial(_prepare_child, nice),
            )
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)  # the child holds its copy: EOF when it (and what it started) closed it
        return cls(proc, read_end)

    def _read(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:  # pragma: no cover - a thread
        with open(fd, "rb", buffering=1 << 16) as output:
            while raw := output.readline(LINE_LIMIT):
                self._room.acquire()
                line = (now(), raw.decode("utf-8", errors="replace").rstrip("\r\n"))
                if not self._hand(loop, line):
                    return
        self._hand(loop, None)

    def _hand(self, loop: asyncio.AbstractEventLoop, item: tuple[datetime, str] | None) -> bool:
        try:
            loop.call_soon_threadsafe(self._lines.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody reads any more
            return False
        return True

    @property
    def pid(self) -> int:
        return self._proc.pid

    async def stamped(self) -> AsyncIterator[tuple[datetime, str]]:
        """Each output line with the time it was read, until the output ends."""
        while (item := await self._lines.get()) is not None:
            self._room.release()
            yield item
        self._lines.put_nowait(None)  # ended for a later reader too

    async def lines(self) -> AsyncIterator[str]:
        async for _, text in self.stamped():
            yield text

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
