"""The engine's environment a job gets for its service's target, and nothing of another
target's: where a tenant's services sit (`TF_VAR_tenant_id`, `TF_VAR_publish_address`)
for every job; the Docker daemon (`DOCKER_HOST`, its TLS files, an ssh agent) for docker
jobs only; the aws target's credentials and region for aws jobs only (the tenant's own
when it registered some, else the operator's `SPAWNIT_AWS_*`: never the S3 store's, whose
keys reach the backend alone, see `app/engine/backend.py`); the kubeconfig for kubernetes
jobs only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.catalog.model import Host
from app.services.credentials import TargetCredentials
from app.settings import Settings
from app.storage import keys

# what a docker job takes of SpawnIt's own environment: the daemon and how to reach it
DOCKER_PASSED = ("DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_CONTEXT", "DOCKER_CONFIG")
SSH_PASSED = ("SSH_AUTH_SOCK",)  # DOCKER_HOST=ssh://user@host runs ssh, which needs the agent
AWS_FILES = ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")  # where a profile is read


@dataclass(frozen=True)
class TargetEnv:
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # values to mask in every line


class TargetEnvironment:
    def __init__(
        self, settings: Settings, credentials: TargetCredentials | None, env: Mapping[str, str] | None = None
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._env = os.environ if env is None else env

    async def for_job(self, target: str, tenant: str) -> TargetEnv:
        tenant = keys.checked(tenant, "tenant")  # a UUID SpawnIt minted: it names a network, a namespace
        common = {"TF_VAR_tenant_id": tenant, "TF_VAR_publish_address": self._settings.docker_publish_address}
        if target == "docker":
            return TargetEnv({**common, **self._endpoint_host(), **self._passed(DOCKER_PASSED + SSH_PASSED)})
        if target == "aws":
            aws = await self._aws(tenant)
            return TargetEnv({**common, **aws.env}, aws.secrets)
        if target == "kubernetes" and self._settings.kubeconfig is not None:
            path = str(self._settings.kubeconfig)
            return TargetEnv({**common, "KUBE_CONFIG_PATH": path, "KUBECONFIG": path})
        return TargetEnv(common)

    async def _aws(self, tenant: str) -> TargetEnv:
        s = self._settings
        own = await self._credentials.get(tenant, "aws") if self._credentials else None
        region = (own.region if own else None) or s.aws_target_region
        env = {"AWS_REGION": region, "AWS_DEFAULT_REGION": region} if region else {}
        if own is not None:  # the tenant's own win over the operator's
            keys = {
                "AWS_ACCESS_KEY_ID": own.access_key_id.reveal(),
                "AWS_SECRET_ACCESS_KEY": own.secret_access_key.reveal(),
            }
            return TargetEnv({**env, **keys}, own.values())
        if s.aws_target_access_key_id and s.aws_target_secret_access_key:
            key_id, secret = s.aws_target_access_key_id.reveal(), s.aws_target_secret_access_key.reveal()
            return TargetEnv({**env, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}, (key_id, secret))
        if s.aws_target_profile:
            return TargetEnv({**env, **self._passed(AWS_FILES), "AWS_PROFILE": s.aws_target_profile})
        return TargetEnv(env)  # the host's instance role (the provider asks the metadata service)

    def _endpoint_host(self) -> dict[str, str]:
        """`TF_VAR_host`: the name in a docker service's endpoint when its ports are
        published on every interface (the setting, else a remote daemon's host name)."""
        host = self._settings.docker_endpoint_host
        if not host:
            daemon = urlsplit(self._env.get("DOCKER_HOST") or "")
            host = daemon.hostname if daemon.scheme in ("tcp", "ssh", "http", "https") else None
        return {"TF_VAR_host": host} if host else {}

    def _passed(self, names: tuple[str, ...]) -> dict[str, str]:
        return {name: self._env[name] for name in names if self._env.get(name)}


class TenantHost:
    """A `Host` as one tenant sees it: the aws target is ready for a tenant that
    registered credentials of its own (and a region: its own or the operator's), even
    where the operator configured none; everything else as `host` says."""

    def __init__(self, host: Host, region: str | None) -> None:
        self._host = host
        self._region = region

    def problem(self, target: str) -> str | None:
        if target != "aws":
            return self._host.problem(target)
        if not self._region:
            return "no AWS region for your credentials: give one to setTargetCredentials, or ask for SPAWNIT_AWS_REGION"
        return None

    def installed(self, executable: str) -> bool:
        return self._host.installed(executable)


async def host_for(host: Host, credentials: TargetCredentials | None, tenant: str) -> Host:
    """`host`, or the tenant's view of it when it registered aws credentials of its own."""
    if credentials is None:
        return host
    own = await credentials.status(tenant, "aws")
    if not own.set:
        return host
    return TenantHost(host, own.region or credentials.fallback_region)
