"""A child process started without copying SpawnIt, and watched without a signal handler.

uvloop (which uvicorn runs when it is installed) starts a child with `fork`: the kernel
copies the page tables of the whole API process while the event loop waits, 10 ms for
its ~90 MB and up to 40 ms under 8 applies, once per engine command (3-5 per job). The
standard library's `subprocess` starts it with `vfork` when nothing has to run in the
child before its `exec` (no `preexec_fn`): nothing is copied and the parent pauses until
the `exec`, 0.2 ms whatever SpawnIt's size. Its end is seen through a pidfd (Linux 5.3)
that the event loop watches like a socket; where there is none, a thread waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Started(Protocol):
    """A started process as its users see it: SpawnIt's own child, or one a starter made."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...


class StarterGone(OSError):
    """A starter that could not be asked: the child is started here instead."""


class Starter(Protocol):
    """Something that starts children for SpawnIt (app/engine/launcher.py)."""

    async def spawn(
        self, argv: list[str], *, cwd: Path, env: Mapping[str, str], stdout: int, stderr_too: bool
    ) -> Started: ...


class Child:
    """A started process: its pid, its exit status once it ended, `wait()`."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        loop = asyncio.get_running_loop()
        self._ended: asyncio.Future[int] = loop.create_future()
        try:
            pidfd = os.pidfd_open(popen.pid)
        except (AttributeError, OSError):  # no pidfd on this system: a thread waits
            threading.Thread(target=self._wait_in_thread, args=(loop,), daemon=True).start()
        else:
            loop.add_reader(pidfd, self._reap, loop, pidfd)

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """The exit status once the process ended and was reaped (negative: the signal)."""
        return self._popen.returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)

    def _reap(self, loop: asyncio.AbstractEventLoop, pidfd: int) -> None:
        if self._popen.poll() is None:  # readable only once it exited: not yet reapable
            return
        loop.remove_reader(pidfd)
        os.close(pidfd)
        self._ended.set_result(self._popen.returncode)

    def _wait_in_thread(self, loop: asyncio.AbstractEventLoop) -> None:  # pragma: no cover - a thread
        code = self._popen.wait()
        try:
            loop.call_soon_threadsafe(self._ended.set_result, code)
        except RuntimeError:  # the loop closed meanwhile
            pass


async def spawn(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout: int,
    stderr: int,
    prepare: Callable[[], None] | None = None,
) -> Child:
    """`argv` started as the leader of a process group of its own (a signal to the group
    reaches what it started), in SpawnIt's session, stdin from /dev/null. With `prepare`
    (run in the child before its `exec`) the standard library must fork instead.

    Not a session of its own: where Linux groups processes by session for the scheduler
    (`autogroup`, on by default on desktops and bare hosts outside a CPU cgroup), each new
    session is a group as heavy as all of SpawnIt, and a niceness or policy counts only
    inside its group. Eight engines in sessions of their own took eight shares of the
    CPUs to the API's one, whatever their niceness (`services` p99 during 8 applies 12.7x
    idle; in SpawnIt's session 3.4x, 2.6x with SCHED_IDLE, bench scenario 4). The
    engines' launcher (app/engine/launcher.py) puts them all in one session apart from
    SpawnIt's, weighed at their niceness; this is what starts them without it.

    Started from a worker thread: the thread that starts a child waits for its `exec`,
    and a child waits for a CPU like any process (up to a scheduler tick, 4-20 ms, when
    the CPUs run engines); the event loop goes on meanwhile. A child started for a caller
    that was cancelled meanwhile is killed and reaped, never left running unseen.

    The thread is one of the loop's default executor, which lives as long as the loop.
    That matters: the parent-death signal (`setpriv --pdeathsig`) is sent when the thread
    that started the child ends, not the process; a thread that ended between jobs would
    take running engines with it."""
    started = asyncio.ensure_future(asyncio.to_thread(_popen, argv, cwd, env, stdout, stderr, prepare))
    try:
        popen = await asyncio.shield(started)
    except asyncio.CancelledError:
        with contextlib.suppress(OSError):
            orphan = await started
            orphan.kill()
            await asyncio.to_thread(orphan.wait)
        raise
    return Child(popen)


async def spawn_with_output(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stderr_too: bool,
    prepare: Callable[[], None] | None = None,
    starter: Starter | None = None,
) -> tuple[Started, int]:
    """`spawn` with stdout (and stderr, `stderr_too`, else /dev/null) into a new pipe: the
    child and the pipe's read end, the caller's to close. Only the child holds the write
    end, so the read end sees EOF when it (and whatever it started) closed it.

    With `starter` (and nothing to `prepare`), the starter starts it; a starter that
    cannot be asked leaves it to `spawn`."""
    read_end, write_end = os.pipe()
    try:
        child: Started | None = None
        if starter is not None and prepare is None:
            try:
                child = await starter.spawn(argv, cwd=cwd, env=env, stdout=write_end, stderr_too=stderr_too)
            except StarterGone as exc:
                log.warning("%s: the child is started in SpawnIt's session", exc)
        if child is None:
            err = write_end if stderr_too else subprocess.DEVNULL
            child = await spawn(argv, cwd=cwd, env=env, stdout=write_end, stderr=err, prepare=prepare)
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    return child, read_end


def _popen(
    argv: list[str],
    cwd: Path,
    env: Mapping[str, str],
    stdout: int,
    stderr: int,
    prepare: Callable[[], None] | None,
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        cwd=str(cwd),
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        process_group=0,
        preexec_fn=prepare,
    )
