"""A service's metadata (what `info.json` holds) and its status, as plain data."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Iterable

from app.jobs.model import Job, JobKind, JobState


class ServiceStatus(str, enum.Enum):
    DRAFT = "DRAFT"
    DEPLOYING = "DEPLOYING"
    DEPLOYED = "DEPLOYED"
    DESTROYING = "DESTROYING"
    DESTROYED = "DESTROYED"
    FAILED = "FAILED"
    DRIFTED = "DRIFTED"


@dataclass(frozen=True)
class ServiceInfo:
    id: str
    tenant: str
    name: str
    catalog_entry: str
    target: str
    variables: dict[str, Any]  # the form's values, typed and complete
    created_at: datetime
    updated_at: datetime
    version: int = 1
    job_seq: int = 0  # how many jobs were ever created on the service
    applied: bool = False  # the last operation that ran to the end was an apply
    last_operation: str | None = None  # "APPLY" or "DESTROY", whatever its end
    last_operation_failed: bool = False
    last_job_id: str | None = None
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {value, sensitive}

    def touched(self, at: datetime, **changes: Any) -> "ServiceInfo":
        return replace(self, updated_at=at, version=self.version + 1, **changes)

    def after_job(self, job: Job, at: datetime) -> "ServiceInfo":
        """What an ended job means for the service (pure)."""
        if job.kind not in (JobKind.APPLY, JobKind.DESTROY) or job.started_at is None:
            return self.touched(at, last_job_id=job.id)
        ok = job.state is JobState.SUCCEEDED
        changes: dict[str, Any] = {
            "last_job_id": job.id,
            "last_operation": job.kind.value,
            "last_operation_failed": not ok,
        }
        if ok:
            changes["applied"] = job.kind is JobKind.APPLY
            changes["outputs"] = dict(job.outputs or {})
        return self.touched(at, **changes)

    def to_record(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat()
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> "ServiceInfo":
        data = dict(data)
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        data["updated_at"] = datetime.fromisoformat(data["updated_at"])
        known = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in known})


def status(info: ServiceInfo, active: Iterable[Job]) -> ServiceStatus:
    kinds = {job.kind for job in active if not job.state.final}
    if JobKind.DESTROY in kinds:
        return ServiceStatus.DESTROYING
    if JobKind.APPLY in kinds:
        return ServiceStatus.DEPLOYING
    if info.last_operation_failed:
        return ServiceStatus.FAILED
    if info.applied:
        return ServiceStatus.DEPLOYED
    if info.last_operation == JobKind.DESTROY.value:
        return ServiceStatus.DESTROYED
    return ServiceStatus.DRAFT


def state_resources(state: bytes | None) -> int:
    """How many managed resource instances an engine state holds."""
    import json

    if not state:
        return 0
    try:
        data = json.loads(state)
    except ValueError:
        return 0
    return sum(
        len(r.get("instances") or ())
        for r in data.get("resources") or ()
        if r.get("mode", "managed") == "managed"
    )
