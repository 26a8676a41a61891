"""How a child is started and watched (app/engine/spawn.py), under both event loops
SpawnIt runs on (uvloop, which uvicorn picks when installed, and asyncio's own).

That SpawnIt is not forked is seen through the interpreter's at-fork handlers: a `fork`
runs them, a `vfork` does not (nothing of the parent is copied, and nothing of it runs)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from subprocess import DEVNULL
from typing import Any

import pytest
import uvloop

from app.engine import spawn as spawning
from app.engine.command import EngineCommand
from app.engine.spawn import spawn

FORKS: list[int] = []
os.register_at_fork(before=lambda: FORKS.append(os.getpid()))

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}
ENV = {"PATH": os.defpath}


def run(loop: str, main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
        return runner.run(main())


def fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


async def start(argv: list[str], prepare: Callable[[], None] | None = None) -> spawning.Child:
    return await spawn(argv, cwd=Path("/"), env=ENV, stdout=DEVNULL, stderr=DEVNULL, prepare=prepare)


@pytest.mark.parametrize("loop", LOOPS)
def test_an_engine_starts_without_forking_spawnit(loop: str) -> None:
    async def main() -> int:
        engine = await EngineCommand.start(["/bin/echo", "started"], Path("/"), ENV)
        assert [line async for line in engine.lines()] == ["started"]
        return await engine.wait()

    before = len(FORKS)
    assert run(loop, main) == 0
    assert len(FORKS) == before, "the child was forked: SpawnIt's at-fork handlers ran"


@pytest.mark.parametrize("loop", LOOPS)
def test_a_child_that_needs_code_before_its_exec_is_forked_and_still_watched(loop: str) -> None:
    async def main() -> int:
        return await (await start(["/bin/sh", "-c", "exit 3"], prepare=lambda: None)).wait()

    before = len(FORKS)
    assert run(loop, main) == 3
    assert len(FORKS) == before + 1  # the counter sees forks: the test above can fail


@pytest.mark.parametrize("loop", LOOPS)
def test_exit_codes_signals_and_many_waiters(loop: str) -> None:
    async def main() -> None:
        ok, failed = await start(["/bin/true"]), await start(["/bin/sh", "-c", "exit 7"])
        assert await asyncio.gather(ok.wait(), ok.wait(), failed.wait()) == [0, 0, 7]
        assert (ok.returncode, failed.returncode) == (0, 7)
        assert await ok.wait() == 0  # waited again after the end
        sleeper = await start(["/bin/sleep", "600"])
        assert sleeper.returncode is None
        os.kill(sleeper.pid, signal.SIGKILL)
        waiter = asyncio.ensure_future(sleeper.wait())
        assert await asyncio.wait_for(asyncio.shield(waiter), 10) == -signal.SIGKILL
        waiter.cancel()  # a cancelled waiter does not cancel the end seen by others
        assert await sleeper.wait() == -signal.SIGKILL

    run(loop, main)


@pytest.mark.parametrize("loop", LOOPS)
def test_children_are_reaped_and_leave_no_descriptor(loop: str) -> None:
    async def main() -> list[int]:
        children = await asyncio.gather(*(start(["/bin/true"]) for _ in range(50)))
        await asyncio.gather(*(child.wait() for child in children))
        return [child.pid for child in children]

    before = fds()
    pids = run(loop, main)
    assert fds() == before
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()], "zombies left"


def autogroup(pid: int | str) -> str | None:
    """The scheduler group Linux put `pid` in by session.

    None where autogroup is off (no file) or does not apply: a process in a CPU cgroup of its
    own (a systemd service, a container, as on CI) reads an empty file.
    """
    try:
        fields = Path(f"/proc/{pid}/autogroup").read_text().split()
    except OSError:
        return None
    return fields[0] if fields else None


def test_a_child_leads_its_own_group_in_spawnit_s_session_and_scheduler_group() -> None:
    async def main() -> tuple[int, int, int, str | None]:
        child = await start(["/bin/sleep", "600"])
        try:
            return child.pid, os.getpgid(child.pid), os.getsid(child.pid), autogroup(child.pid)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            await child.wait()

    pid, group, session, scheduled = run("uvloop", main)
    assert group == pid  # a signal to its group reaches what it starts
    assert session == os.getsid(0)  # a session of its own would be a scheduler group of its own
    assert scheduled == autogroup("self")  # so its niceness and policy count against the API's


def test_a_command_that_cannot_start_raises_and_leaves_no_descriptor() -> None:
    async def main() -> None:
        with pytest.raises(FileNotFoundError):
            await start(["/nonexistent/engine"])

    before = fds()
    run("uvloop", main)
    assert fds() == before


def test_without_pidfd_a_thread_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pidfd(pid: int) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(spawning.os, "pidfd_open", no_pidfd)

    async def main() -> tuple[int, int]:
        child = await start([sys.executable, "-c", "raise SystemExit(4)"])
        return await child.wait(), await (await start(["/bin/true"])).wait()

    assert run("uvloop", main) == (4, 0)


def test_a_child_started_for_a_caller_cancelled_meanwhile_is_killed_and_reaped(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[subprocess.Popen[bytes]] = []
    real = spawning._popen

    def recording(*args: Any) -> subprocess.Popen[bytes]:
        started.append(real(*args))
        return started[-1]

    monkeypatch.setattr(spawning, "_popen", recording)

    async def main() -> None:
        caller = asyncio.ensure_future(start(["/bin/sleep", "600"]))
        await asyncio.sleep(0)  # the caller is waiting for the thread that starts the child
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller

    run("uvloop", main)
    assert len(started) == 1 and started[0].returncode == -signal.SIGKILL


def test_output_into_a_pipe_with_or_without_stderr_and_no_descriptor_left_on_failure() -> None:
    async def read(stderr_too: bool) -> bytes:
        child, fd = await spawning.spawn_with_output(
            ["/bin/sh", "-c", "echo out; echo err >&2"], cwd=Path("/"), env=ENV, stderr_too=stderr_too
        )
        with os.fdopen(fd, "rb") as pipe:
            data = await asyncio.to_thread(pipe.read)  # EOF: only the child held the write end
        assert await child.wait() == 0
        return data

    async def main() -> tuple[bytes, bytes]:
        with pytest.raises(FileNotFoundError):
            await spawning.spawn_with_output(["/nonexistent/engine"], cwd=Path("/"), env=ENV, stderr_too=True)
        return await read(True), await read(False)

    before = fds()
    both, out_only = run("uvloop", main)
    assert sorted(both.split()) == [b"err", b"out"] and out_only == b"out\n"
    assert fds() == before
