"""Fixtures: a running SpawnIt on a loopback port (uvicorn, in this test's event loop)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import uvicorn

from app.main import create_app
from app.settings import S3Settings, Settings
from tests.api.client import Api
from tests.support import serving_app as serving_app  # re-exported for tests/issuer.py
from tests.support import serving_server, stop_leftovers


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


Start = Callable[..., Awaitable[Running]]


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
