"""How an engine is started: behind `setpriv`, `chrt`, `nice` and `taskset` (nothing run in the
forked child, so it starts at once), or, where those tools are missing, with the same
done in the child before its `exec`. Either way it runs at the lower priority (SCHED_IDLE too), on the
CPUs named, and dies with SpawnIt: SpawnIt (a process of its own here) is killed with -9
and the engine it started must go too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.engine import priority
from app.engine.command import launch
from app.engine.priority import ANY, EnginePriority
from tests.api.test_engine_priority import cpus_allowed, niceness

SPAWNIT = """
import asyncio, sys
from pathlib import Path
import app.engine.command as command
from app.engine.priority import EnginePriority
if sys.argv[1] == "without-tools":
    command.tool = lambda name: None
    import app.engine.priority as priority
    priority.tool = lambda name: None
async def main():
    engine = await command.EngineCommand.start(
        [sys.executable, "-c", "import time; time.sleep(600)"], Path.cwd(), {"PATH": "/usr/bin:/bin"},
        priority=EnginePriority(5, frozenset({int(sys.argv[2])}), idle=True),
    )
    print(engine.pid, flush=True)
    await asyncio.sleep(600)
asyncio.run(main())
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == b"Z"


def test_the_tools_run_before_the_engine_and_nothing_in_the_child() -> None:
    argv, prepare = launch(["terraform", "plan"], EnginePriority(10, frozenset({1, 3}), idle=True))
    assert prepare is None
    assert [Path(a).name for a in argv] == [
        *("setpriv", "--pdeathsig", "TERM", "--"),
        *("chrt", "--idle", "0"),
        *("nice", "-n", "10"),
        *("taskset", "-c", "1,3"),
        *("terraform", "plan"),
    ]
    assert [Path(a).name for a in launch(["tofu"], ANY)[0]] == ["setpriv", "--pdeathsig", "TERM", "--", "tofu"]


@pytest.mark.parametrize("how", ["with-tools", "without-tools"])
def test_the_engine_runs_lower_on_its_cpus_and_dies_with_spawnit(how: str, tmp_path: Path) -> None:
    ours = os.sched_getaffinity(0)
    assert len(ours) >= 2, "this test needs a machine with two CPUs or more"
    cpu = max(ours)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    spawnit = subprocess.Popen(
        [sys.executable, "-c", SPAWNIT, how, str(cpu)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    engine = 0
    try:
        assert spawnit.stdout is not None
        engine = int(spawnit.stdout.readline())
        deadline = time.monotonic() + 30
        while Path(f"/proc/{engine}/cmdline").read_bytes().split(b"\0")[0] != sys.executable.encode():
            assert time.monotonic() < deadline, "the engine never ran"  # the tools exec it in turn
            time.sleep(0.01)
        assert niceness(engine) == min(19, niceness(os.getpid()) + 5)
        assert cpus_allowed(engine) == {cpu}
        assert os.sched_getscheduler(engine) == os.SCHED_IDLE
        spawnit.send_signal(signal.SIGKILL)
        spawnit.wait(10)
        while not _gone(engine):
            assert time.monotonic() < deadline, "the engine outlived SpawnIt"
            time.sleep(0.01)
    finally:
        spawnit.kill()
        if engine and not _gone(engine):
            os.kill(engine, signal.SIGKILL)


def test_where_sched_idle_is_refused_the_engine_starts_at_its_niceness_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusing = tmp_path / "chrt"  # what util-linux's chrt does where seccomp refuses the policy
    refusing.write_text("#!/bin/sh\necho 'chrt: failed to set pid 0 policy: Operation not permitted' >&2\nexit 1\n")
    refusing.chmod(0o755)
    found = {"chrt": str(refusing), "nice": "/usr/bin/nice"}
    monkeypatch.setattr(priority, "tool", found.get)
    priority.idle_allowed.cache_clear()
    try:
        argv, rest = priority.EnginePriority(10, idle=True).wrap(["terraform", "plan"])
        assert argv == ["/usr/bin/nice", "-n", "10", "terraform", "plan"]  # no chrt in front to fail the engine
        assert rest == ANY  # and nothing left for a forked child to try
    finally:
        priority.idle_allowed.cache_clear()
