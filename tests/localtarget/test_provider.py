"""The `local` target end to end: the real embedded engine, the spawnit provider from a
filesystem mirror, and `modules/local/instance`, serving a static site as a local process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from app.localtarget import process
from app.localtarget.install import cli_config_text, install_provider

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "modules" / "local" / "instance"
SERVICE_ID = "3f2b6c1e-8a4d-4e2f-9b1a-0c5d7e8f9a10"
ADDRESS = "spawnit_process.service"


# ---------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live_pids_under(folder: Path) -> list[int]:
    """Live processes whose working directory is inside `folder` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if cwd == str(folder) or cwd.startswith(f"{folder}/"):
                found.append(int(entry.name))
    return found


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


class Engine:
    """The embedded engine run as a child process in one work directory."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir, self.env = workdir, env

    def run(self, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "app.engine.embedded", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if expect is not None:
            assert proc.returncode == expect, f"{args} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    def init(self):
        return self.run("init", "-input=false", "-no-color")

    def plan(self, *extra: str, expect: int | None = 0):
        return self.run("plan", "-input=false", "-no-color", "-detailed-exitcode", *extra, expect=expect)

    def apply(self, expect: int | None = 0):
        return self.run("apply", "-auto-approve", "-input=false", "-no-color", expect=expect)

    def destroy(self):
        return self.run("destroy", "-auto-approve", "-input=false", "-no-color")

    def outputs(self) -> dict:
        out = self.run("output", "-json").stdout
        return {k: v["value"] for k, v in json.loads(out).items()}

    def state_list(self) -> list[str]:
        return self.run("state", "list").stdout.split()


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def cli_config(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("engine")
    install_provider(base / "mirror")
    path = base / "cli.tfrc"
    path.write_text(cli_config_text(base / "mirror", base / "plugin-cache"))
    (base / "plugin-cache").mkdir()
    return path


@pytest.fixture
def run_dir(tmp_path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    yield folder
    for pid in live_pids_under(folder):  # safety net: nothing started by a test outlives it
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def make_engine(tmp_path, cli_config, run_dir):
    """Lay a module (the given .tf files, plus variables) into a fresh work directory."""

    def make(tf_files: list[Path] | dict[str, str], tfvars: dict | None = None) -> Engine:
        workdir = tmp_path / "work"
        workdir.mkdir()
        if isinstance(tf_files, dict):
            for name, text in tf_files.items():
                (workdir / name).write_text(text)
        else:
            for f in tf_files:
                shutil.copy(f, workdir / f.name)
        backend_path = json.dumps(str(tmp_path / "state" / "terraform.tfstate"))
        (workdir / "backend.tf").write_text(
            f'terraform {{\n  backend "local" {{\n    path = {backend_path}\n  }}\n}}\n'
        )
        if tfvars is not None:
            (workdir / "terraform.tfvars.json").write_text(json.dumps(tfvars))
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "SPAWNIT_LOCAL_RUN_DIR": str(run_dir),
        }
        engine = Engine(workdir, env)
        engine.init()
        return engine

    return make


def site_vars(port: int, **overrides) -> dict:
    return {
        "service_id": SERVICE_ID,
        "service_name": "static site",
        "command": ["python3", "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        "files": {"index.html": "<h1>hello</h1>"},
        "ports": [port],
        "endpoint_scheme": "http",
        "env": {"GREETING": "hi"},
        **overrides,
    }


@pytest.fixture
def site(make_engine, run_dir):
    """The static site applied through modules/local/instance; destroyed at teardown."""
    port = free_port()
    engine = make_engine(sorted(MODULE.glob("*.tf")), site_vars(port))
    engine.apply()
    yield engine
    engine.destroy()
    assert live_pids_under(run_dir) == []


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read()


def direct_config(**attrs) -> dict[str, str]:
    """A root module with one spawnit_process, attributes given as HCL expressions."""
    body = "\n".join(f"  {k} = {v}" for k, v in attrs.items())
    return {
        "main.tf": 'terraform {\n  required_providers {\n    spawnit = { source = "spawnit.local/spawnit/spawnit" }\n'
        f'  }}\n}}\n\nresource "spawnit_process" "service" {{\n{body}\n}}\n'
    }


# ---------------------------------------------------------------- the lifecycle


def test_apply_serves_the_site_and_the_next_plan_is_clean(site, run_dir):
    out = site.outputs()
    port = out["ports"][0]
    assert out["endpoint"] == f"http://127.0.0.1:{port}/"
    assert get(out["endpoint"]) == b"<h1>hello</h1>"
    assert (run_dir / SERVICE_ID / "index.html").read_text() == "<h1>hello</h1>"
    assert live_pids_under(run_dir) == [out["pid"]]
    environ = dict(item.split("=", 1) for item in Path(f"/proc/{out['pid']}/environ").read_text().split("\0") if item)
    assert environ["GREETING"] == "hi"
    assert environ["HOME"] == os.environ["HOME"]
    assert "SPAWNIT_LOCAL_RUN_DIR" not in environ and "TF_CLI_CONFIG_FILE" not in environ  # a minimal base only
    site.plan(expect=0)


def test_a_process_killed_by_hand_is_drift_and_apply_brings_it_back(site):
    out = site.outputs()
    os.kill(out["pid"], signal.SIGKILL)

    plan = site.plan("-json", expect=2)
    events = [json.loads(line) for line in plan.stdout.splitlines() if line.startswith("{")]
    planned = {
        (e["change"]["resource"]["addr"], e["change"]["action"]) for e in events if e["type"] == "planned_change"
    }
    drifted = {
        (e["change"]["resource"]["addr"], e["change"]["action"]) for e in events if e["type"] == "resource_drift"
    }
    assert planned == {(ADDRESS, "create")}
    assert drifted == {(ADDRESS, "delete")}

    site.apply()
    again = site.outputs()
    assert again["pid"] != out["pid"]
    assert get(again["endpoint"]) == b"<h1>hello</h1>"
    site.plan(expect=0)


def test_destroy_stops_the_service_and_empties_the_state(site, run_dir):
    out = site.outputs()
    site.destroy()
    assert refuses_connections(out["ports"][0])
    assert live_pids_under(run_dir) == []
    assert not (run_dir / SERVICE_ID).exists()
    assert site.state_list() == []


# ---------------------------------------------------------------- failures


def test_a_service_that_exits_at_once_fails_the_apply_with_its_log(make_engine, run_dir):
    crash = "import sys; print('cannot open config.yml', file=sys.stderr); raise SystemExit(3)"
    engine = make_engine(sorted(MODULE.glob("*.tf")), site_vars(free_port(), command=["python3", "-c", crash]))
    result = engine.apply(expect=1)
    assert "The service did not start" in result.stderr
    assert "exited with code 3" in result.stderr
    assert "cannot open config.yml" in result.stderr  # the log tail
    assert engine.state_list() == []
    assert live_pids_under(run_dir) == []


def test_a_service_that_never_listens_is_killed_after_start_timeout(make_engine, run_dir):
    port = free_port()
    sleeper = "import time; print('warming up', flush=True); time.sleep(120)"
    engine = make_engine(
        direct_config(
            instance=json.dumps(SERVICE_ID),
            command=json.dumps(["python3", "-c", sleeper]),
            port=port,
            start_timeout=1,
        )
    )
    result = engine.apply(expect=1)
    assert f"nothing listened on 127.0.0.1:{port} within 1 s" in result.stderr
    assert "warming up" in result.stderr
    assert live_pids_under(run_dir) == []
    assert engine.state_list() == []


@pytest.mark.parametrize("instance", ["../escape", "not-a-uuid", SERVICE_ID + "/x"])
def test_an_instance_that_is_not_a_uuid_is_refused(make_engine, run_dir, instance):
    engine = make_engine(
        direct_config(
            instance=json.dumps(instance),
            command='["python3", "-m", "http.server"]',
            port=free_port(),
        )
    )
    result = engine.plan(expect=1)
    assert "Invalid instance" in result.stderr and "must be a UUID" in result.stderr
    assert list(run_dir.iterdir()) == []


@pytest.mark.parametrize("name", ["../index.html", "..", "sub/index.html", "a b"])
def test_a_file_name_that_is_not_plain_is_refused(make_engine, run_dir, name):
    engine = make_engine(sorted(MODULE.glob("*.tf")), site_vars(free_port(), files={name: "x"}))
    result = engine.plan(expect=1)
    assert "Invalid file name" in result.stderr
    assert list(run_dir.iterdir()) == []


# ---------------------------------------------------------------- pieces


def test_install_provider_is_idempotent_and_executable(tmp_path):
    path = install_provider(tmp_path / "mirror", python="/usr/bin/python3")
    assert path == tmp_path / "mirror/spawnit.local/spawnit/spawnit/0.1.0/linux_amd64/terraform-provider-spawnit_v0.1.0"
    assert path.read_text() == '#!/bin/sh\nexec /usr/bin/python3 -m app.localtarget.provider "$@"\n'
    assert path.stat().st_mode & 0o777 == 0o700  # executable by SpawnIt (the engine runs as it), by nobody else
    before = path.stat().st_mtime_ns
    assert install_provider(tmp_path / "mirror", python="/usr/bin/python3") == path
    assert path.stat().st_mtime_ns == before


def test_a_pid_with_another_start_time_is_not_ours(tmp_path):
    child = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        ticks = process.read_stat(child.pid).start_ticks
        assert process.is_running(child.pid, ticks)
        assert not process.is_running(child.pid, ticks + 1)
        process.stop(child.pid, ticks + 1)  # someone else's process: left alone
        assert child.poll() is None
        process.stop(child.pid, ticks)
        assert child.wait(timeout=5) == -signal.SIGTERM
    finally:
        child.kill()
        child.wait()
