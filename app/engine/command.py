"""The engine as a child process: started from an argument list, read line by line,
stopped with SIGINT (graceful) and, past a grace period, SIGKILL of its whole group.

Its output (stdout and stderr, one pipe) is read by a thread of its own
(app/engine/readers.py), a whole read at a time: every line a read brings is stamped
with that read's time and handed to the loop in one call. However busy the event loop
is (a crowd of log followers), the engine never waits on a full pipe, a line's time is
when it was read, not when the loop got round to it, and the reader takes the
interpreter's lock once per read, not once per line (a thread that must win the lock
back for every line falls behind a busy loop). Past `PENDING` lines waiting for the
loop the reader waits (memory stays bounded), which only a stalled loop would cause.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime
from pathlib import Path

from app.clock import now
from app.engine.priority import ANY, EnginePriority, tool
from app.engine.readers import READERS
from app.engine.spawn import Started, Starter, spawn_with_output

_PR_SET_PDEATHSIG = 1
LINE_LIMIT = 1 << 20  # a longer line is cut in pieces of this size
READ_SIZE = 1 << 16  # bytes asked of the pipe per read (what a pipe holds)
PENDING = 100_000  # lines read but not yet taken by the event loop


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    # If SpawnIt dies, the engine gets SIGTERM: it stops gracefully and writes state,
    # instead of running on unseen. Only a prctl call: nothing that takes a lock.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:
        pass


def _prepare_child(rest: EnginePriority) -> None:  # pragma: no cover - runs in the forked child
    _die_with_parent()
    rest.apply()  # what no tool in front of the engine applies (EnginePriority.wrap)


def launch(argv: list[str], priority: EnginePriority) -> tuple[list[str], Callable[[], None] | None]:
    """The argument list that starts `argv` with `priority` and the parent-death signal,
    and the function the forked child must run first, if any.

    With util-linux's `setpriv` (and `nice`, `taskset` for the priority) nothing runs in
    the child before its `exec`, so the child is started by `vfork` (app/engine/spawn.py):
    SpawnIt is not copied, and a child that lowered its own priority no longer waits for a
    busy CPU before its `exec` while its parent waits for it (stalls of 15-190 ms under 8
    applies, when the parent was the event loop). Without the tools the child must run the
    function returned, which takes a `fork` (the fallback)."""
    argv, rest = priority.wrap(argv)
    setpriv = tool("setpriv")
    if setpriv is not None and rest == ANY:
        return [setpriv, "--pdeathsig", "TERM", "--", *argv], None
    return argv, functools.partial(_prepare_child, rest)


Stamped = tuple[datetime, str]


class Backlog:
    """Lines handed to the loop and not taken yet: the reader waits while there are
    `limit` or more (one read may go past it)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.lines = limit, 0
        self._changed = threading.Condition()

    def add(self, count: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.lines < self.limit)
            self.lines += count

    def take(self, count: int) -> None:
        with self._changed:
            self.lines -= count
            self._changed.notify()


def split_lines(buffer: bytes) -> tuple[list[bytes], bytes]:
    """The complete lines of `buffer` (longer ones cut every LINE_LIMIT bytes) and the rest."""
    lines = buffer.split(b"\n")
    rest = lines.pop()
    if len(rest) >= LINE_LIMIT:
        lines.append(rest[:LINE_LIMIT])
        rest = rest[LINE_LIMIT:]
    out: list[bytes] = []
    for line in lines:
        out.extend(line[i : i + LINE_LIMIT] for i in range(0, max(len(line), 1), LINE_LIMIT))
    return out, rest


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r")


class EngineCommand:
    """One running engine command."""

    def __init__(self, proc: Started, output: int) -> None:
        self._proc = proc
        self._reads: asyncio.Queue[list[Stamped] | None] = asyncio.Queue()
        self._backlog = Backlog(PENDING)
        loop = asyncio.get_running_loop()
        READERS.run(functools.partial(self._read, output, loop))

    @classmethod
    async def start(
        cls,
        argv: list[str],
        cwd: Path,
        env: Mapping[str, str],
        *,
        priority: EnginePriority = ANY,
        starter: Starter | None = None,
    ) -> EngineCommand:
        """`argv` started (by `starter`, when given: the engines' launcher)."""
        argv, prepare = launch(argv, priority)  # a lower CPU priority, inherited by what the engine starts
        proc, output = await spawn_with_output(
            argv, cwd=cwd, env=env, stderr_too=True, prepare=prepare, starter=starter
        )
        return cls(proc, output)

    def _read(self, fd: int, loop: asyncio.AbstractEventLoop) -> None:  # pragma: no cover - a thread
        rest = b""
        try:
            while chunk := os.read(fd, READ_SIZE):
                at = now()
                lines, rest = split_lines(rest + chunk)
                if lines:
                    self._backlog.add(len(lines))
                    if not self._hand(loop, [(at, _text(line)) for line in lines]):
                        return
            if rest:
                self._backlog.add(1)
                if not self._hand(loop, [(now(), _text(rest))]):
                    return
            self._hand(loop, None)
        finally:
            os.close(fd)

    def _hand(self, loop: asyncio.AbstractEventLoop, item: list[Stamped] | None) -> bool:
        try:
            loop.call_soon_threadsafe(self._reads.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody reads any more
            return False
        return True

    @property
    def pid(self) -> int:
        return self._proc.pid

    async def stamped(self) -> AsyncIterator[Stamped]:
        """Each output line with the time it was read, until the output ends."""
        while (lines := await self._reads.get()) is not None:
            self._backlog.take(len(lines))
            for line in lines:
                yield line
        self._reads.put_nowait(None)  # ended for a later reader too

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
