"""The engine as a child process: which binary, its environment, its output, and how
it stops (SIGINT: gracefully; kill: the whole process group). Real embedded engine."""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import reduce
from pathlib import Path

import pytest

from app.engine.binary import EngineBinary, select_engine
from app.engine.child import ChildEngine
from app.engine.command import EngineCommand
from app.engine.json_events import RunView, Summary, fold, parse
from app.errors import Unavailable

STEP = 20.0  # seconds any single engine step may take before the test fails
SLEEPER = 30  # seconds the provisioner would sleep if nothing stopped it
_PR_SET_CHILD_SUBREAPER = 36

Start = Callable[..., Awaitable[EngineCommand]]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped is not running)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False


async def _gone(pid: int, timeout: float = STEP) -> None:
    """Wait until `pid` has exited (a pidfd becomes readable then)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    exited = loop.create_future()
    loop.add_reader(fd, lambda: exited.done() or exited.set_result(None))
    try:
        await asyncio.wait_for(exited, timeout)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


def _fake(bin_dir: Path, name: str) -> Path:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f'#!/bin/sh\necho fake {name} "$@"\n')
    path.chmod(0o755)
    return path


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture
def cli_config(tmp_path: Path) -> Path:
    path = tmp_path / "cli.tfrc"
    path.write_text("")
    return path


@pytest.fixture
def engine(cli_config: Path) -> ChildEngine:
    return ChildEngine(select_engine("embedded"), cli_config)


@pytest.fixture
def module(tmp_path: Path) -> Path:
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "main.tf").write_text('resource "terraform_data" "a" { input = "x" }\noutput "o" { value = "v" }\n')
    return workdir


@pytest.fixture
def sleeper(tmp_path: Path) -> Path:
    """A module whose apply runs `sleep` under /bin/sh after saying its pid."""
    workdir = tmp_path / "sleeper"
    workdir.mkdir()
    (workdir / "main.tf").write_text(
        'resource "terraform_data" "a" {\n'
        f'  provisioner "local-exec" {{ command = "echo ready $$; exec sleep {SLEEPER}" }}\n'
        "}\n"
    )
    return workdir


@pytest.fixture
def reaper() -> Iterator[list[int]]:
    """Make this process the subreaper of orphans for the test; reap the pids listed.

    A killed engine's orphaned children are reparented here instead of to PID 1
    (which, in a container, may never reap them), so none outlives the test.
    Ask for it before `start`: its teardown then runs after `start`'s."""
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    orphans: list[int] = []
    try:
        yield orphans
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        for pid in orphans:
            try:
                if os.waitpid(pid, os.WNOHANG) == (0, 0):  # ours, and still running
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
            except ChildProcessError:
                pass  # not ours: its parent reaps it


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Start engine commands; whatever is still running at teardown is killed and reaped."""
    started: list[EngineCommand] = []

    async def _start(
        engine: ChildEngine, args: list[str], cwd: Path, env: dict[str, str] | None = None
    ) -> EngineCommand:
        proc = await engine.start(args, cwd, env or {})
        started.append(proc)
        return proc

    yield _start
    for proc in started:
        proc.kill()
        await asyncio.wait_for(proc.wait(), STEP)
        for pid in _group(proc.pid):  # what it started and left behind (a failed test)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _group(pgid: int) -> list[int]:
    """Running processes of process group `pgid`."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[2]) == pgid and fields[0] != b"Z":
                members.append(int(entry.name))
    return members


async def _run(proc: EngineCommand) -> tuple[list[str], int]:
    async def both() -> tuple[list[str], int]:
        lines = [line async for line in proc.lines()]
        return lines, await proc.wait()

    return await asyncio.wait_for(both(), STEP)


async def _until_ready(proc: EngineCommand) -> int:
    """Read the apply's lines until the provisioner says `ready <pid>`; its pid."""

    async def read() -> int:
        async for line in proc.lines():
            match = re.search(r"ready (\d+)", parse(line).message)
            if match:
                return int(match.group(1))
        raise AssertionError("the engine ended before the provisioner started")

    return await asyncio.wait_for(read(), STEP)


APPLY = ["apply", "-json", "-auto-approve", "-input=false", "-no-color"]


# -- select_engine ---------------------------------------------------------------------


def test_embedded_is_the_shim_run_by_this_python() -> None:
    assert select_engine("embedded") == EngineBinary("embedded", (sys.executable, "-m", "app.engine.embedded"))


def test_auto_without_any_binary_is_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert select_engine("auto").name == "embedded"


def test_auto_takes_terraform_when_there_is_no_tofu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake(tmp_path / "bin", "terraform")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert select_engine("auto") == EngineBinary("terraform", (str(fake),))


def test_auto_prefers_tofu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(tmp_path / "bin", "terraform")
    tofu = _fake(tmp_path / "other", "tofu")
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "bin"), str(tmp_path / "other")]))
    assert select_engine("auto") == EngineBinary("tofu", (str(tofu),))


def test_a_file_that_is_not_executable_is_no_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(tmp_path / "bin", "tofu").chmod(0o644)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert select_engine("auto").name == "embedded"


def test_asking_for_a_missing_binary_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(tmp_path / "bin", "terraform")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(Unavailable, match="tofu"):
        select_engine("tofu")
    assert select_engine("terraform").name == "terraform"


async def test_the_chosen_binary_is_what_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_config: Path, start: Start
) -> None:
    _fake(tmp_path / "bin", "terraform")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    proc = await start(ChildEngine(select_engine("auto"), cli_config), ["version", "-json"], tmp_path)
    assert await _run(proc) == (["fake terraform version -json"], 0)


# -- ChildEngine -----------------------------------------------------------------------


async def test_embedded_engine_runs_version(engine: ChildEngine, tmp_path: Path, start: Start) -> None:
    lines, rc = await _run(await start(engine, ["version"], tmp_path))
    assert rc == 0
    assert lines and lines[0].startswith("Terraform v")


async def test_real_plan_and_apply_fold_into_a_summary(engine: ChildEngine, module: Path, start: Start) -> None:
    lines, rc = await _run(await start(engine, ["init", "-input=false", "-no-color"], module))
    assert rc == 0, lines

    lines, rc = await _run(await start(engine, ["plan", "-json", "-input=false", "-no-color"], module))
    assert rc == 0, lines
    plan = reduce(fold, map(parse, lines), RunView())
    assert (plan.summary, plan.total, plan.done, plan.outputs) == (Summary(add=1), 1, 0, None)

    lines, rc = await _run(await start(engine, APPLY, module))
    assert rc == 0, lines
    view = reduce(fold, map(parse, lines), RunView())
    assert (view.summary, view.done, view.total, view.errors) == (Summary(add=1), 1, 1, ())
    assert view.outputs is not None and set(view.outputs) == {"o"}
    assert view.outputs["o"]["value"] == "v"


async def test_child_environment_is_automation_and_nothing_of_ours(
    cli_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: Start
) -> None:
    monkeypatch.setenv("SPAWNIT_TEST_SECRET", "do-not-pass-me")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "parent-aws-secret")
    # `env` prints the environment it got: the same seam as the engine's binary
    env_engine = ChildEngine(EngineBinary("env", ("/usr/bin/env",)), cli_config)
    proc = await start(env_engine, [], tmp_path, {"AWS_ACCESS_KEY_ID": "from-backend"})
    lines, rc = await _run(proc)
    assert rc == 0
    child = dict(line.split("=", 1) for line in lines)
    assert {k: child.get(k) for k in ("TF_IN_AUTOMATION", "TF_INPUT", "CHECKPOINT_DISABLE", "TF_CLI_CONFIG_FILE")} == {
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": str(cli_config),
    }
    assert child["AWS_ACCESS_KEY_ID"] == "from-backend"  # what the caller passes does reach it
    assert "SPAWNIT_TEST_SECRET" not in child
    assert "AWS_SECRET_ACCESS_KEY" not in child
    assert "do-not-pass-me" not in "\n".join(lines)


def test_fingerprint_follows_the_cli_config(engine: ChildEngine, cli_config: Path) -> None:
    before = engine.fingerprint()
    cli_config.write_text('plugin_cache_dir = "/somewhere"\n')
    assert engine.fingerprint() != before
    cli_config.write_text("")
    assert engine.fingerprint() == before


# -- stopping ------------------------------------------------------------------------------


async def test_interrupt_stops_the_engine_gracefully(
    engine: ChildEngine, sleeper: Path, reaper: list[int], start: Start
) -> None:
    loop = asyncio.get_running_loop()
    proc = await start(engine, APPLY, sleeper)
    child = await _until_ready(proc)
    reaper.append(child)
    began = loop.time()

    proc.interrupt()
    lines, rc = await _run(proc)

    assert loop.time() - began < SLEEPER / 3
    assert rc != 0
    assert any("Interrupt received" in parse(line).message for line in lines)
    state = json.loads((sleeper / "terraform.tfstate").read_text())
    assert state["version"] == 4
    await _gone(child)  # the engine stopped its provisioner's command too


async def test_kill_kills_the_whole_process_group(
    engine: ChildEngine, sleeper: Path, reaper: list[int], start: Start
) -> None:
    proc = await start(engine, APPLY, sleeper)
    child = await _until_ready(proc)
    reaper.append(child)
    assert os.getpgid(child) == proc.pid  # the sleep is in the engine's group

    proc.kill()
    assert await asyncio.wait_for(proc.wait(), STEP) == -signal.SIGKILL
    await _gone(child)
    assert not _alive(child) and _group(proc.pid) == []


async def test_signals_after_the_end_are_harmless(engine: ChildEngine, tmp_path: Path, start: Start) -> None:
    proc = await start(engine, ["version"], tmp_path)
    _, rc = await _run(proc)
    proc.interrupt()
    proc.kill()
    assert await proc.wait() == rc == 0
