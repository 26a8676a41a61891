"""A service's drift verdict and health, as plain data, and how a check's job becomes
a verdict (pure functions: no I/O here).

Divergence: a service is DRIFTED if and only if its last operation was an
apply and a plan finds changes, or its last operation was a destroy and its state still
holds resources.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from app.engine.json_events import ResourceChange
from app.jobs.model import Job, JobKind, JobState


class DriftStatus(str, enum.Enum):
    IN_SYNC = "IN_SYNC"
    DRIFTED = "DRIFTED"
    CHECK_FAILED = "CHECK_FAILED"
    UNKNOWN = "UNKNOWN"


class HealthStatus(str, enum.Enum):
    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class Drift:
    status: DriftStatus = DriftStatus.UNKNOWN
    checked_at: datetime | None = None
    since: datetime | None = None  # when the current status began
    resources: tuple[ResourceChange, ...] = ()
    job_id: str | None = None  # the job that gave the verdict
    error: str | None = None  # why the last check failed

    def to_record(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "checked_at": _iso(self.checked_at),
            "since": _iso(self.since),
            "resources": [{"address": r.address, "action": r.action} for r in self.resources],
            "job_id": self.job_id,
            "error": self.error,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any] | None) -> Drift:
        if not data:
            return cls()
        return cls(
            status=DriftStatus(data["status"]),
            checked_at=_when(data.get("checked_at")),
            since=_when(data.get("since")),
            resources=tuple(ResourceChange(**r) for r in data.get("resources") or ()),
            job_id=data.get("job_id"),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class Health:
    status: HealthStatus = HealthStatus.UNKNOWN
    checked_at: datetime | None = None
    latency_ms: float | None = None
    detail: str | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "checked_at": _iso(self.checked_at),
            "latency_ms": self.latency_ms,
            "detail": self.detail,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any] | None) -> Health:
        if not data:
            return cls()
        return cls(
            status=HealthStatus(data["status"]),
            checked_at=_when(data.get("checked_at")),
            latency_ms=data.get("latency_ms"),
            detail=data.get("detail"),
        )


@dataclass(frozen=True)
class Change:
    """One entry of a service's history of verdicts: kept with the service."""

    kind: str  # "DRIFT" or "HEALTH"
    old: str | None
    new: str
    at: datetime

    def to_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "old": self.old, "new": self.new, "at": self.at.isoformat()}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Change:
        return cls(data["kind"], data.get("old"), data["new"], datetime.fromisoformat(data["at"]))


def verdict(current: Drift, job: Job, at: datetime) -> Drift | None:
    """The drift after `job` ended, or None when the job says nothing about drift.

    A check that succeeded gives IN_SYNC or DRIFTED from its plan; one that failed gives
    CHECK_FAILED; a canceled check (it yielded to a user's job) says nothing. An apply or
    destroy that succeeded leaves reality as applied: IN_SYNC.
    """
    if job.kind is JobKind.DRIFT_CHECK:
        if job.state is JobState.SUCCEEDED:
            status = DriftStatus.DRIFTED if job.has_changes else DriftStatus.IN_SYNC
            resources = job.changes if job.has_changes else ()
            return _next(current, status, at, job.id, resources, None)
        if job.state in (JobState.FAILED, JobState.INTERRUPTED):
            return _next(current, DriftStatus.CHECK_FAILED, at, job.id, current.resources, job.error)
        return None
    if job.kind in (JobKind.APPLY, JobKind.DESTROY) and job.state is JobState.SUCCEEDED:
        return _next(current, DriftStatus.IN_SYNC, at, job.id, (), None)
    return None


def _next(
    current: Drift,
    status: DriftStatus,
    at: datetime,
    job_id: str,
    resources: tuple[ResourceChange, ...],
    error: str | None,
) -> Drift:
    since = current.since if current.status is status and current.since else at
    return replace(current, status=status, checked_at=at, since=since, resources=resources, job_id=job_id, error=error)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
