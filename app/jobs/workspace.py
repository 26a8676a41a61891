"""What the job machinery asks of the services domain: a workspace before a job runs,
and the service's bookkeeping once it ends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app.engine.backend import Backend
from app.jobs.model import Job


@dataclass(frozen=True)
class Workspace:
    workdir: Path
    module_dir: Path
    tfvars: dict[str, Any]
    backend: Backend
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # extra environment of the engine
    applied: bool = True  # the service's last operation was an apply (drift checks plan by it)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # values to mask in everything the job says
    timeout_seconds: float | None = None  # the catalog entry's own job timeout, if it has one


class Workspaces(Protocol):
    async def workspace(self, job: Job) -> Workspace:
        """Sync the service from storage into its work directory."""


class EndOfJob(Protocol):
    async def job_ended(self, job: Job) -> tuple[str, ...]:
        """Record what the ended (or interrupted) job means for its service; return the
        ids of the service's jobs it no longer keeps (old drift checks)."""
