"""Fixtures: a running SpawnIt on a loopback port (uvicorn, in this test's event loop)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from app.main import create_app
from app.settings import S3Settings, Settings
from tests.api.client import Api
from tests.conftest import free_port


def test_settings(tmp_path: Path, **changes: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        engine="embedded",
        max_parallel_jobs=4,
        cancel_grace_seconds=10,
        log_flush_seconds=0.2,
        lock_timeout_seconds=20,
    ).replace(**changes)


class Running:
    def __init__(self, settings: Settings, server: uvicorn.Server, port: int) -> None:
        self.settings = settings
        self.server = server
        self.url = f"http://127.0.0.1:{port}"
        self.api = Api(self.url)

    @property
    def spawnit(self):  # the composed application, for assertions on storage
        return self.server.config.app.state.spawnit  # type: ignore[union-attr]


def stop_leftovers(run_dir: Path) -> list[int]:
    """Kill every process whose working folder is under `run_dir`; return their pids."""
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


Start = Callable[..., Awaitable[Running]]


@contextlib.asynccontextmanager
async def serving_server(app: Any) -> AsyncIterator[tuple[uvicorn.Server, int]]:
    """Any ASGI app under uvicorn on a loopback port, in this event loop."""
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
    async with serving_server(app) as (_, port):
        yield f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Running]:
    async with serving_server(create_app(settings)) as (server, port):
        yield Running(settings, server, port)
    assert not stop_leftovers(settings.run_dir), "processes of the local target outlived the test"


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """Start SpawnIt servers for this test (stopped at its end)."""
    async with contextlib.AsyncExitStack() as stack:

        async def _start(**changes: object) -> Running:
            return await stack.enter_async_context(serving(test_settings(tmp_path, **changes)))

        yield _start


@pytest.fixture
async def spawnit(start: Start) -> Running:
    """SpawnIt with embedded defaults: folder store, embedded engine, auth off."""
    return await start()


@pytest.fixture(params=["folder", "s3"])
async def spawnit_any_store(request: pytest.FixtureRequest, start: Start) -> Running:
    if request.param == "folder":
        return await start()
    s3: S3Settings = request.getfixturevalue("s3_settings")
    return await start(store="s3", s3=s3)


@pytest.fixture
def api(spawnit: Running) -> Api:
    return spawnit.api
