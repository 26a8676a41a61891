"""Which targets this host can run now, and why not.

A target is ready when what it runs on answers: `docker` when a Docker daemon answers a
ping through `DOCKER_HOST` (else `/var/run/docker.sock`; tcp with TLS and ssh too: see
`app/catalog/docker_ping.py`), `aws` when
credentials for the aws target are configured (never the store's: keys, a profile or the
host's instance role) and a region, `kubernetes` when a kubeconfig is configured and
`kubectl` (which ensures a tenant's namespace) is installed, `local` always (an
entry's own executables are checked per entry). Answers are cached for `ttl` seconds and
re-checked in the background, so a daemon started or a program installed later is picked
up without a restart, and no request waits on a probe.
"""

from __future__ import annotations

import asyncio
import configparser
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.catalog.docker_ping import ping_docker

__all__ = ["AwsTargetCredentials", "TargetReadiness", "aws_problem", "kubernetes_problem", "ping_docker"]

log = logging.getLogger("spawnit.targets")

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"
PROBED = ("docker", "aws", "kubernetes")  # the targets whose readiness is checked here


@dataclass(frozen=True)
class AwsTargetCredentials:
    """How the aws target authenticates: static keys, a named profile or the host's
    instance role (any may be unset), and in which region."""

    has_keys: bool = False
    profile: str | None = None
    instance_role: bool = False
    region: str | None = "us-east-1"  # None: not configured (the provider needs one)


def aws_problem(credentials: AwsTargetCredentials, env: Mapping[str, str]) -> str | None:
    """None when the aws target has credentials of its own and a region, else what to set."""
    problem = _aws_credentials_problem(credentials, env)
    if problem is None and not credentials.region:
        return "no AWS region for the aws target: set SPAWNIT_AWS_REGION"
    return problem


def _aws_credentials_problem(credentials: AwsTargetCredentials, env: Mapping[str, str]) -> str | None:
    if credentials.has_keys or credentials.instance_role:
        return None
    if credentials.profile:
        path = Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or Path.home() / ".aws" / "credentials")
        parser = configparser.ConfigParser()
        with contextlib.suppress(OSError, configparser.Error):
            parser.read(path)
        if parser.has_section(credentials.profile):
            return None
        return f"AWS profile {credentials.profile!r} is not in {path}"
    return (
        "no AWS credentials for the aws target: set SPAWNIT_AWS_ACCESS_KEY_ID and "
        "SPAWNIT_AWS_SECRET_ACCESS_KEY, or SPAWNIT_AWS_PROFILE, or SPAWNIT_AWS_INSTANCE_ROLE=true"
    )


def kubernetes_problem(kubeconfig: Path | None) -> str | None:
    """None when the kubernetes target has a cluster to talk to, else what to set."""
    if kubeconfig is None:
        return "no kubeconfig for the kubernetes target: set SPAWNIT_KUBECONFIG (or KUBECONFIG)"
    if not kubeconfig.is_file():
        return f"the kubeconfig {kubeconfig} is not a file"
    if shutil.which("kubectl") is None:
        return "kubectl is not installed (the kubernetes target makes a tenant's namespace with it)"
    return None


class TargetReadiness:
    """The last known readiness of each target and of executables, refreshed when stale."""

    def __init__(
        self,
        aws: AwsTargetCredentials,
        ttl: float = 10.0,
        env: Mapping[str, str] | None = None,
        kubeconfig: Path | None = None,
    ) -> None:
        self._aws = aws
        self._kubeconfig = kubeconfig
        self._ttl = ttl
        self._env = os.environ if env is None else env
        self._problems: dict[str, str | None] = {}
        self._which: dict[str, bool] = {}
        self._checked_at = -float("inf")
        self._refreshing: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        """Check every target now (at start-up, and in the background when stale)."""
        docker_host = self._env.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST
        problems: dict[str, str | None] = {
            "docker": await ping_docker(docker_host, env=self._env),
            "aws": aws_problem(self._aws, self._env),
            "kubernetes": kubernetes_problem(self._kubeconfig),
        }
        for name, problem in problems.items():
            if self._problems.get(name, "unknown") != problem:
                log.info("target %s: %s", name, problem or "ready")
        self._problems = problems
        self._which = {exe: shutil.which(exe) is not None for exe in self._which}
        self._checked_at = time.monotonic()

    def problem(self, target: str) -> str | None:
        """None when the target itself can run services here now, else why not."""
        self._refresh_if_stale()
        if target not in PROBED:
            return None  # nothing to probe (local, or a module of the operator's own)
        return self._problems.get(target, "not checked yet")

    def installed(self, executable: str) -> bool:
        self._refresh_if_stale()
        found = self._which.get(executable)
        if found is None:
            found = self._which[executable] = shutil.which(executable) is not None
        return found

    def _refresh_if_stale(self) -> None:
        if time.monotonic() - self._checked_at < self._ttl or self._refreshing is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._refreshing = loop.create_task(self._background_refresh(), name="target-readiness")

    async def _background_refresh(self) -> None:
        try:
            await self.refresh()
        except Exception:  # a failed probe must never take a request down
            log.exception("checking the targets failed")
            self._checked_at = time.monotonic()
        finally:
            self._refreshing = None
