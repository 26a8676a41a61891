"""Each job gets its own target's part of the environment, and nothing of another's
(TargetEnvironment, with the tenant's credentials kept in a real folder store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.credentials import TargetCredentials
from app.services.targets import TargetEnvironment
from app.settings import Secret, Settings
from app.storage.folder import FolderStore
from app.vault.box import SecretBox

TENANT = "6a0e5b8e-2f1c-4d3b-9a7e-1c2d3e4f5a6b"
HOST_ENV = {
    "DOCKER_HOST": "ssh://deploy@docker.example",
    "DOCKER_CERT_PATH": "/etc/docker-certs",
    "DOCKER_TLS_VERIFY": "1",
    "SSH_AUTH_SOCK": "/run/agent.sock",
    "AWS_ACCESS_KEY_ID": "STORE-KEY",  # the store's: never a job's
    "AWS_SECRET_ACCESS_KEY": "store-secret",
    "AWS_SHARED_CREDENTIALS_FILE": "/etc/spawnit/aws-credentials",
}
AWS_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_REGION", "AWS_SHARED_CREDENTIALS_FILE")
DOCKER_NAMES = ("DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "SSH_AUTH_SOCK")


def targets(tmp_path: Path, **settings: object) -> tuple[TargetEnvironment, TargetCredentials]:
    s = Settings(data_dir=tmp_path / "data", aws_target_region="eu-west-3", **settings)  # type: ignore[arg-type]
    credentials = TargetCredentials(FolderStore(tmp_path / "store"), SecretBox(Secret("k")))
    return TargetEnvironment(s, credentials, env=HOST_ENV), credentials


async def test_docker_jobs_alone_get_the_docker_daemon(tmp_path: Path) -> None:
    env, _ = targets(tmp_path, aws_target_access_key_id=Secret("AKIAOP"), aws_target_secret_access_key=Secret("s"))
    docker = (await env.for_job("docker", TENANT)).env
    assert {n: docker[n] for n in DOCKER_NAMES} == {n: HOST_ENV[n] for n in DOCKER_NAMES}
    assert not any(n in docker for n in AWS_NAMES)
    for target in ("aws", "local", "kubernetes"):
        other = (await env.for_job(target, TENANT)).env
        assert not any(n in other for n in DOCKER_NAMES), target
    assert docker["TF_VAR_tenant_id"] == TENANT and docker["TF_VAR_publish_address"] == "0.0.0.0"
    assert docker["TF_VAR_host"] == "docker.example"  # a remote daemon: its name is in the endpoints
    assert "TF_VAR_host" not in (await env.for_job("local", TENANT)).env


async def test_the_endpoint_host_of_docker_services(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, docker_endpoint_host="games.example.org")
    env = TargetEnvironment(s, None, env=HOST_ENV)
    assert (await env.for_job("docker", TENANT)).env["TF_VAR_host"] == "games.example.org"
    local_daemon = TargetEnvironment(Settings(data_dir=tmp_path), None, env={"DOCKER_HOST": "unix:///run/d.sock"})
    assert "TF_VAR_host" not in (await local_daemon.for_job("docker", TENANT)).env  # the module's 127.0.0.1


async def test_aws_jobs_get_the_operators_keys_or_profile_never_the_stores(tmp_path: Path) -> None:
    env, _ = targets(tmp_path, aws_target_access_key_id=Secret("AKIAOP"), aws_target_secret_access_key=Secret("s"))
    aws = await env.for_job("aws", TENANT)
    assert (aws.env["AWS_ACCESS_KEY_ID"], aws.env["AWS_SECRET_ACCESS_KEY"]) == ("AKIAOP", "s")
    assert aws.env["AWS_REGION"] == "eu-west-3" and aws.secrets == ("AKIAOP", "s")
    env, _ = targets(tmp_path, aws_target_profile="deploy")
    aws = await env.for_job("aws", TENANT)
    assert aws.env["AWS_PROFILE"] == "deploy"
    assert aws.env["AWS_SHARED_CREDENTIALS_FILE"] == HOST_ENV["AWS_SHARED_CREDENTIALS_FILE"]
    assert "AWS_ACCESS_KEY_ID" not in aws.env
    env, _ = targets(tmp_path, aws_target_instance_role=True)
    aws = await env.for_job("aws", TENANT)
    assert not any(n in aws.env for n in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE"))
    for target in ("docker", "local", "kubernetes"):
        other = (await env.for_job(target, TENANT)).env
        assert not any(n in other for n in AWS_NAMES), target


async def test_a_tenants_credentials_win_for_its_jobs_only(tmp_path: Path) -> None:
    env, credentials = targets(
        tmp_path, aws_target_access_key_id=Secret("AKIAOPERATOR0000"), aws_target_secret_access_key=Secret("s")
    )
    await credentials.set(TENANT, "aws", "AKIATENANT000000", "tenant-secret-123456", "ap-south-1")
    aws = await env.for_job("aws", TENANT)
    assert (aws.env["AWS_ACCESS_KEY_ID"], aws.env["AWS_REGION"]) == ("AKIATENANT000000", "ap-south-1")
    assert set(aws.secrets) == {"AKIATENANT000000", "tenant-secret-123456"}
    other = await env.for_job("aws", "0b7c6d4e-1111-4222-8333-444455556666")
    assert other.env["AWS_ACCESS_KEY_ID"] == "AKIAOPERATOR0000"
    stored = b"".join(p.read_bytes() for p in (tmp_path / "store").rglob("*") if p.is_file())
    assert b"tenant-secret-123456" not in stored and b"AKIATENANT000000" not in stored
    await credentials.clear(TENANT, "aws")
    assert (await env.for_job("aws", TENANT)).env["AWS_ACCESS_KEY_ID"] == "AKIAOPERATOR0000"


async def test_kubernetes_jobs_get_the_kubeconfig(tmp_path: Path) -> None:
    env, _ = targets(tmp_path, kubeconfig=tmp_path / "kubeconfig")
    k8s = (await env.for_job("kubernetes", TENANT)).env
    assert k8s["KUBE_CONFIG_PATH"] == k8s["KUBECONFIG"] == str(tmp_path / "kubeconfig")
    assert "KUBE_CONFIG_PATH" not in (await env.for_job("docker", TENANT)).env


@pytest.mark.parametrize(
    "args, field",
    [
        (("aws", "short", "tenant-secret-123456", None), "access_key_id"),
        (("aws", "AKIATENANT000000", "short", None), "secret_access_key"),
        (("aws", "AKIATENANT000000", "tenant-secret-123456", "Mars"), "region"),
        (("gcp", "AKIATENANT000000", "tenant-secret-123456", None), "target"),
    ],
)
async def test_credentials_are_checked_and_named(tmp_path: Path, args: tuple, field: str) -> None:
    from app.errors import BadInput

    _, credentials = targets(tmp_path)
    with pytest.raises(BadInput) as caught:
        await credentials.set(TENANT, *args)
    assert caught.value.field == field
    assert args[2] not in caught.value.message
