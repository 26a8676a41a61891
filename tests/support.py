"""What the tests and the benchmarks (bench/) share: a free loopback port, any ASGI app
served by uvicorn in the current event loop, a server as a process of its own (started
once it answers, stopped with its whole session), and the killing of processes left
behind under a data folder's run directory. Nothing here depends on pytest."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import uvicorn

_given: set[int] = set()
_draw = random.Random()


def free_port() -> int:
    """A loopback TCP port nothing uses, never given twice in a run, and below the
    kernel's ephemeral range: a client connection's source port can never take it
    between the moment a test picks it and the moment a service binds it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = _draw.randint(20000, low - 1)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port


def stop_leftovers(run_dir: Path) -> list[int]:
    """Kill every process whose working folder is under `run_dir` (the local target's
    services); return their pids."""
    root = str(run_dir.resolve())
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd == root or cwd.startswith(root + "/"):
            found.append(int(proc.name))
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)
    return found


@contextlib.asynccontextmanager
async def serving_server(app: Any) -> AsyncIterator[tuple[uvicorn.Server, int]]:
    """Any ASGI app under uvicorn on a loopback port, in this event loop: the server
    (once it has started) and its port."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", ws="websockets-sansio", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.02)
    try:
        yield server, port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)


@contextlib.asynccontextmanager
async def serving_app(app: Any) -> AsyncIterator[str]:
    """Any ASGI app under uvicorn on a loopback port, in this event loop: its base URL."""
    async with serving_server(app) as (_, port):
        yield f"http://127.0.0.1:{port}"


# -- a SpawnIt (or any server) as a process of its own ----------------------------------------


def start_server_process(
    argv: list[str], url: str, log: Path, *, env: dict[str, str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.Popen[bytes]:
    """Start `argv` in a session of its own (output to `log`); return once `url`/healthz
    answers 200. Raises RuntimeError with the log's end if it exits or never answers."""
    with log.open("ab") as out:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{argv[0]} exited ({proc.returncode}):\n{log.read_text(errors='replace')[-4000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return proc
        if time.monotonic() > deadline:
            stop_server_process(proc)
            raise RuntimeError(f"no answer from {url} in {timeout} s:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.1)  # a readiness poll of another process: nothing can notify us


def stop_server_process(proc: subprocess.Popen[bytes], grace: float = 60) -> None:
    """SIGTERM to the process's whole session, SIGKILL after `grace` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def server_process(
    argv: list[str], url: str, log: Path, *, env: dict[str, str], cwd: Path | None = None, timeout: float = 120
) -> Iterator[subprocess.Popen[bytes]]:
    proc = start_server_process(argv, url, log, env=env, cwd=cwd, timeout=timeout)
    try:
        yield proc
    finally:
        stop_server_process(proc)


def spawnit_serve(port: int, *flags: str) -> list[str]:
    """The argument list of `spawnit serve` on `port` (this interpreter's installation)."""
    return [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning", *flags]


def environment_without_settings() -> dict[str, str]:
    """This process's environment less every SPAWNIT_* setting (a server's own start)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SPAWNIT_")}
