"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.settings import S3Settings, Secret
from app.storage.folder import FolderStore
from app.storage.s3 import S3Store
from tests.support import free_port  # re-exported: many tests import it from here

# a running SpawnIt on a loopback port, for the API, drift and security tests
pytest_plugins = ["tests.server", "tests.issuer", "tests.redis_support"]


def _answers_http(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True  # any HTTP answer, even an error, means it is up
    except OSError:
        return False
    return True


@pytest.fixture
def free_tcp_port() -> int:
    return free_port()


# --- S3: a real moto server on loopback ---


@contextlib.contextmanager
def running_moto(log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `moto_server` on a free loopback port: (endpoint URL, process)."""
    binary = Path(sys.executable).parent / "moto_server"
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        deadline = time.monotonic() + 30
        while not _answers_http(endpoint + "/moto-api/"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto_server did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield endpoint, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One moto server for the whole run; yields its endpoint URL."""
    with running_moto(tmp_path_factory.mktemp("moto") / "moto.log") as (endpoint, _):
        yield endpoint


@pytest.fixture
def private_moto(tmp_path: Path) -> Iterator[tuple[S3Settings, subprocess.Popen]]:
    """A moto server of this test's own (the test may stop it): settings and process."""
    with running_moto(tmp_path / "moto.log") as (endpoint, proc):
        yield (
            S3Settings(
                bucket="private",
                endpoint=endpoint,
                max_attempts=1,
                access_key_id=Secret("test"),
                secret_access_key=Secret("test"),
            ),
            proc,
        )


@pytest.fixture
def s3_settings(moto_server: str) -> S3Settings:
    """Settings for the moto server with a bucket of this test's own (not yet created)."""
    return S3Settings(
        bucket=f"test-{uuid.uuid4().hex}",
        endpoint=moto_server,
        region="us-east-1",
        path_style=True,
        access_key_id=Secret("test"),
        secret_access_key=Secret("test"),
    )


@pytest.fixture
async def s3_store(s3_settings: S3Settings) -> AsyncIterator[S3Store]:
    """An open S3Store on moto whose bucket exists."""
    store = await S3Store.open(s3_settings)
    await store.ensure_bucket()
    yield store
    await store.close()


# --- the local folder store ---


@pytest.fixture
def folder_store(tmp_path: Path) -> FolderStore:
    return FolderStore(tmp_path / "store")
