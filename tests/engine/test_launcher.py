"""The engines' launcher (app/engine/launcher.py, app/engine/launcher_process.py): engines
in one session of their own, weighed at the engines' niceness; children that wait and
answer as SpawnIt's own do; a launcher that dies or cannot start loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from app.engine.command import launch
from app.engine.launcher import Launcher
from app.engine.priority import ANY
from app.engine.spawn import Started, spawn_with_output
from app.localtarget.lineage import descendants
from tests.engine.test_spawn import ENV, autogroup, fds
from tests.faults.engines import alive

pytestmark = pytest.mark.asyncio


async def started(launcher: Launcher | None, argv: list[str]) -> tuple[Started, int]:
    child, read_end = await spawn_with_output(argv, cwd=Path("/"), env=ENV, stderr_too=True, starter=launcher)
    return child, read_end


def ppid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[1])


async def gone(pid: int, timeout: float = 10.0) -> bool:
    for _ in range(int(timeout / 0.02)):
        if not alive(pid):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_engines_share_one_session_of_their_own_weighed_at_the_engines_niceness() -> None:
    launcher = Launcher(7)
    children = [
        await launcher.spawn(["/bin/sleep", "600"], cwd=Path("/"), env=ENV, stdout=1, stderr_too=False)
        for _ in range(2)
    ]
    try:
        sessions = {os.getsid(child.pid) for child in children}
        assert sessions == {launcher.session} and launcher.session != os.getsid(0)
        assert all(os.getpgid(child.pid) == child.pid for child in children)  # a signal to the group reaches all
        assert all(ppid(child.pid) == launcher.pid for child in children)
        (group,) = {autogroup(child.pid) for child in children}  # one scheduler group for both
        if group is not None:  # where the kernel groups by session: not the API's, at the engines' niceness
            assert group != autogroup("self")
            lines = {Path(f"/proc/{child.pid}/autogroup").read_text().split()[-1] for child in children}
            assert lines == {"7"}, lines
            assert Path("/proc/self/autogroup").read_text().split()[-1:] in (["0"], [])  # the API's stays
    finally:
        for child in children:
            os.kill(child.pid, signal.SIGKILL)
        assert [await child.wait() for child in children] == [-signal.SIGKILL] * 2
        await launcher.close()


async def test_output_exit_codes_and_a_program_that_cannot_start_as_with_a_direct_start() -> None:
    before = fds()
    launcher = Launcher(5)
    child, read_end = await started(launcher, ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
    with os.fdopen(read_end, "rb") as pipe:
        data = await asyncio.to_thread(pipe.read)  # EOF: only the child held the write end
    assert sorted(data.split()) == [b"err", b"out"]
    assert await child.wait() == 3 and child.returncode == 3
    assert ppid(launcher.pid or 0) == os.getpid()
    with pytest.raises(FileNotFoundError):
        await started(launcher, ["/nonexistent/engine"])
    await launcher.close()
    assert launcher.pid is None
    assert fds() == before


async def test_a_killed_launcher_takes_its_children_with_it_and_the_next_start_makes_a_new_one() -> None:
    launcher = Launcher(3)
    child, read_end = await started(launcher, ["/bin/sleep", "600"])
    os.close(read_end)
    first = launcher.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert await asyncio.wait_for(child.wait(), 10) == -signal.SIGKILL
    assert not alive(child.pid)
    again, read_end = await started(launcher, ["/bin/sh", "-c", "exit 4"])
    os.close(read_end)
    assert await again.wait() == 4
    assert launcher.pid not in (None, first)
    await launcher.close()


async def test_without_a_launcher_the_child_is_started_in_spawnit_s_session() -> None:
    launcher = Launcher(3, python="/nonexistent/python")
    child, read_end = await started(launcher, ["/bin/sh", "-c", "exit 6"])
    os.close(read_end)
    assert os.getsid(child.pid) == os.getsid(0)
    assert await child.wait() == 6
    await launcher.close()


async def test_when_spawnit_goes_its_launcher_ends_and_the_engines_get_their_parent_death_signal() -> None:
    launcher = Launcher(3)
    argv, prepare = launch(["/bin/sleep", "600"], ANY)  # with setpriv's --pdeathsig, as an engine
    assert prepare is None
    child, read_end = await started(launcher, argv)
    os.close(read_end)
    helper = launcher.pid
    await launcher.close()  # what SpawnIt's exit does: the launcher's socket closes
    assert helper is not None and await gone(helper)
    assert await gone(child.pid), "the engine outlived the launcher"


async def test_a_child_started_for_a_caller_cancelled_meanwhile_is_killed() -> None:
    launcher = Launcher(3)
    await (await launcher.spawn(["/bin/true"], cwd=Path("/"), env=ENV, stdout=1, stderr_too=False)).wait()
    helper = launcher.pid
    assert helper is not None
    read_end, write_end = os.pipe()  # the child's output: EOF once nothing holding it runs
    os.kill(helper, signal.SIGSTOP)  # the request waits in its socket: the answer cannot come first
    try:
        caller = asyncio.ensure_future(
            launcher.spawn(["/bin/sleep", "600"], cwd=Path("/"), env=ENV, stdout=write_end, stderr_too=False)
        )
        await asyncio.sleep(0)  # the request is sent, with its descriptor
        os.close(write_end)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
    finally:
        os.kill(helper, signal.SIGCONT)
    os.set_blocking(read_end, False)
    try:  # started once the launcher runs again, then killed: EOF
        for _ in range(1000):
            try:
                assert os.read(read_end, 64) == b""
                break
            except BlockingIOError:  # the unwanted child still holds its output
                await asyncio.sleep(0.02)
        else:
            raise AssertionError("the child started for a cancelled caller still runs")
    finally:
        os.close(read_end)
    for _ in range(500):
        if not descendants(helper):  # and reaped by the launcher
            break
        await asyncio.sleep(0.02)
    assert descendants(helper) == []
    await launcher.close()
