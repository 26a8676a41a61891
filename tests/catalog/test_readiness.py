"""Target readiness: a Docker ping through a real socket, AWS credentials, executables."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.catalog.readiness import AwsTargetCredentials, TargetReadiness, aws_problem, kubernetes_problem, ping_docker


async def _daemon(socket_path: Path, status: bytes) -> asyncio.AbstractServer:
    """A socket that answers `GET /_ping` the way dockerd does (or refuses it)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        assert request.startswith(b"GET /_ping ")
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\nOK")
        await writer.drain()
        writer.close()

    return await asyncio.start_unix_server(answer, path=str(socket_path))


@pytest.fixture
async def daemon(tmp_path: Path) -> AsyncIterator[Path]:
    path = tmp_path / "docker.sock"
    server = await _daemon(path, b"200 OK")
    async with server:
        yield path


async def test_a_daemon_that_answers_is_ready(daemon: Path) -> None:
    assert await ping_docker(f"unix://{daemon}") is None


async def test_no_daemon_says_where_it_looked(tmp_path: Path) -> None:
    problem = await ping_docker(f"unix://{tmp_path}/nothing.sock")
    assert problem is not None and "no Docker daemon answers" in problem and "nothing.sock" in problem


async def test_a_daemon_refusing_the_ping_is_not_ready(tmp_path: Path) -> None:
    path = tmp_path / "docker.sock"
    async with await _daemon(path, b"500 Internal Server Error"):
        problem = await ping_docker(f"unix://{path}")
    assert problem is not None and "refused a ping" in problem


async def test_a_tcp_port_where_nothing_listens_is_not_ready() -> None:
    from tests.conftest import free_port

    problem = await ping_docker(f"tcp://127.0.0.1:{free_port()}")
    assert problem is not None and "no Docker daemon answers" in problem


def test_aws_needs_credentials_of_its_own(tmp_path: Path) -> None:
    env = {"AWS_ACCESS_KEY_ID": "store-key", "AWS_SECRET_ACCESS_KEY": "store-secret"}  # the store's: not enough
    problem = aws_problem(AwsTargetCredentials(), env)
    assert problem is not None and "SPAWNIT_AWS_ACCESS_KEY_ID" in problem
    assert aws_problem(AwsTargetCredentials(has_keys=True), env) is None
    assert aws_problem(AwsTargetCredentials(instance_role=True), env) is None
    problem = aws_problem(AwsTargetCredentials(has_keys=True, region=None), env)
    assert problem is not None and "SPAWNIT_AWS_REGION" in problem
    credentials = tmp_path / "credentials"
    credentials.write_text("[deploy]\naws_access_key_id = a\naws_secret_access_key = b\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(credentials)}
    assert aws_problem(AwsTargetCredentials(profile="deploy"), env) is None
    problem = aws_problem(AwsTargetCredentials(profile="other"), env)
    assert problem is not None and "'other'" in problem


def test_kubernetes_needs_a_kubeconfig_and_kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    problem = kubernetes_problem(None)
    assert problem is not None and "SPAWNIT_KUBECONFIG" in problem
    problem = kubernetes_problem(tmp_path / "missing")
    assert problem is not None and "is not a file" in problem
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    problem = kubernetes_problem(config)
    assert problem is not None and "kubectl" in problem
    kubectl = bin_dir / "kubectl"
    kubectl.write_text("#!/bin/sh\n")
    kubectl.chmod(0o755)
    assert kubernetes_problem(config) is None


async def test_readiness_follows_the_host_without_a_restart(tmp_path: Path) -> None:
    socket_path = tmp_path / "docker.sock"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {"DOCKER_HOST": f"unix://{socket_path}", "PATH": str(bin_dir)}
    readiness = TargetReadiness(AwsTargetCredentials(), ttl=3600, env=env)
    await readiness.refresh()
    assert readiness.problem("docker") is not None
    assert readiness.problem("local") is None
    assert readiness.problem("operators-own") is None  # a target with a module, nothing to probe
    assert not readiness.installed("spawnit-test-tool")

    old_path = os.environ["PATH"]
    os.environ["PATH"] = str(bin_dir)  # shutil.which reads the process's PATH
    try:
        tool = bin_dir / "spawnit-test-tool"
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
        async with await _daemon(socket_path, b"200 OK"):
            await readiness.refresh()
            assert readiness.problem("docker") is None
            assert readiness.installed("spawnit-test-tool")
    finally:
        os.environ["PATH"] = old_path
    await readiness.refresh()
    assert readiness.problem("docker") is not None, "a daemon that went away is no longer offered"


async def test_a_stale_answer_is_refreshed_in_the_background(daemon: Path) -> None:
    readiness = TargetReadiness(AwsTargetCredentials(), ttl=0, env={"DOCKER_HOST": f"unix://{daemon}"})
    assert readiness.problem("docker") == "not checked yet"  # never blocks: the check runs behind
    for _ in range(200):
        if readiness.problem("docker") is None:
            break
        await asyncio.sleep(0.01)  # yield to the background check
    assert readiness.problem("docker") is None
