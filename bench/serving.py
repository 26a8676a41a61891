"""SpawnIt started for a scenario on a loopback port: in this process (uvicorn in this
event loop) or as `python -m app.cli serve` in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.settings import Settings
from bench import PYTHON, ROOT
from tests.support import free_port, serving_app, stop_leftovers


def bench_settings(data_dir: Path, **changes: Any) -> Settings:
    """Embedded engine, folder store, no drift watch unless a scenario asks for it."""
    return Settings(data_dir=data_dir, engine="embedded", drift_interval_seconds=0).replace(**changes)


@dataclass
class Served:
    url: str
    pid: int  # the process serving (this one when in-process)
    data_dir: Path
    app: Any = None  # the uvicorn app when in-process


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Served]:
    """SpawnIt in this process (uvicorn in this event loop)."""
    from app.main import create_app

    app = create_app(settings)
    try:
        async with serving_app(app) as url:
            yield Served(url, os.getpid(), settings.data_dir, app)
    finally:
        stop_leftovers(settings.run_dir)


@contextlib.asynccontextmanager
async def serving_process(
    data_dir: Path, env: dict[str, str] | None = None, kill_leftovers: bool = True
) -> AsyncIterator[Served]:
    """SpawnIt as `python -m app.cli serve` in a process of its own (its RSS alone)."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    child_env = {
        **os.environ,
        "SPAWNIT_ENGINE": "embedded",
        "SPAWNIT_DRIFT_INTERVAL_SECONDS": "0",
        "SPAWNIT_MAX_JOBS_PER_TENANT": "1000",  # 50 services applied at once by one tenant
        **(env or {}),
    }
    argv = [
        PYTHON,
        "-m",
        "app.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
    ]
    log = open(data_dir.parent / f"server-{port}.log", "wb")
    proc = subprocess.Popen(argv, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"SpawnIt exited with {proc.returncode}: see {log.name}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(url + "/healthz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("SpawnIt did not answer within 60 s")
                await asyncio.sleep(0.05)
        yield Served(url, proc.pid, data_dir)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(proc.wait, 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if kill_leftovers:
            stop_leftovers(data_dir / "run")
