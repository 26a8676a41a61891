"""A service's metadata (what `info.json` holds) and its status, as plain data."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from app.drift.model import Change, Drift, DriftStatus, Health
from app.jobs.model import Job, JobKind, JobState

HISTORY = 50  # changes of verdict kept with a service
CHECKS_KEPT = 20  # drift-check job records kept per service (older ones are deleted)


class ServiceStatus(str, enum.Enum):
    DRAFT = "DRAFT"
    DEPLOYING = "DEPLOYING"
    DEPLOYED = "DEPLOYED"
    DESTROYING = "DESTROYING"
    DESTROYED = "DESTROYED"
    FAILED = "FAILED"
    DRIFTED = "DRIFTED"
    CHANGED = "CHANGED"  # deployed, but its variables changed since: apply to bring them in
    BROKEN = "BROKEN"  # its stored record cannot be read: an operator must repair it


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
    user_seq: int = 0  # the seq of the last job a user asked for (drift checks are not)
    applied: bool = False  # the last operation that ran to the end was an apply
    last_operation: str | None = None  # "APPLY" or "DESTROY", whatever its end
    last_operation_failed: bool = False
    last_job_id: str | None = None
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {value, sensitive}
    drift: Drift = field(default_factory=Drift)
    health: Health = field(default_factory=Health)
    drift_interval: int | None = None  # seconds; None: the default; 0: not watched
    history: tuple[Change, ...] = ()  # the last changes of verdict, newest last
    check_jobs: tuple[str, ...] = ()  # the drift checks whose records are kept
    sensitive: tuple[str, ...] = ()  # the variables stored encrypted and never shown
    variables_rev: int = 0  # bumped at each change of the variables
    applied_rev: int | None = None  # the variables_rev the last successful apply ran with
    delete_after_job: str | None = None  # a DESTROY job whose success deletes the service
    broken: str | None = None  # why the stored record could not be read (never stored)

    @property
    def pending_changes(self) -> bool:
        """Applied, and the variables changed since the apply that is running now."""
        return self.applied and self.applied_rev is not None and self.applied_rev != self.variables_rev

    @property
    def watched(self) -> bool:
        """Live: applied, or destroyed with a state that may still hold resources."""
        return self.drift_interval != 0 and (self.applied or self.last_operation == JobKind.DESTROY.value)

    def with_verdicts(self, at: datetime, drift: Drift | None, health: Health | None) -> ServiceInfo:
        """The service with a new drift verdict and health; changes go into its history."""
        changes: dict[str, Any] = {}
        history = list(self.history)
        if drift is not None:
            changes["drift"] = drift
            if drift.status is not self.drift.status:
                history.append(Change("DRIFT", self.drift.status.value, drift.status.value, at))
        if health is not None:
            changes["health"] = health
            if health.status is not self.health.status:
                history.append(Change("HEALTH", self.health.status.value, health.status.value, at))
        changes["history"] = tuple(history[-HISTORY:])
        return replace(self, **changes)

    def touched(self, at: datetime, **changes: Any) -> ServiceInfo:
        return replace(self, updated_at=at, version=self.version + 1, **changes)

    def after_job(self, job: Job, at: datetime, ran_with_rev: int | None = None) -> ServiceInfo:
        """What an ended job means for the service (pure): only what the engine did to it
        counts, so a job that ended before the engine began changing anything (queued,
        in init or plan) leaves the service as it was. `ran_with_rev` is the
        `variables_rev` the job's work directory was laid out with, when known."""
        if not job.kind.is_users:  # a check takes no place in the history of operations
            return replace(self, version=self.version + 1)
        if job.kind not in (JobKind.APPLY, JobKind.DESTROY) or not job.reached_changes:
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
            changes["applied_rev"] = ran_with_rev if job.kind is JobKind.APPLY else None
        return self.touched(at, **changes)

    def keeping_check(self, job_id: str) -> tuple[ServiceInfo, tuple[str, ...]]:
        """Record a drift check's job; return the info and the checks no longer kept."""
        kept = (*self.check_jobs, job_id)
        return replace(self, check_jobs=kept[-CHECKS_KEPT:]), kept[:-CHECKS_KEPT]

    def to_record(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["created_at"] = self.created_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat()
        data["drift"] = self.drift.to_record()
        data["health"] = self.health.to_record()
        data["history"] = [c.to_record() for c in self.history]
        data["check_jobs"] = list(self.check_jobs)
        data["sensitive"] = list(self.sensitive)
        del data["broken"]
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> ServiceInfo:
        data = dict(data)
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        data["updated_at"] = datetime.fromisoformat(data["updated_at"])
        data["drift"] = Drift.from_record(data.get("drift"))
        data["health"] = Health.from_record(data.get("health"))
        data["history"] = tuple(Change.from_record(c) for c in data.get("history") or ())
        data["check_jobs"] = tuple(data.get("check_jobs") or ())
        data["sensitive"] = tuple(data.get("sensitive") or ())
        data.pop("broken", None)  # a state of this process, never read from storage
        known = cls.__dataclass_fields__.keys()
        return cls(**{k: v for k, v in data.items() if k in known})


def status(info: ServiceInfo, active: Iterable[Job]) -> ServiceStatus:
    if info.broken is not None:
        return ServiceStatus.BROKEN
    kinds = {job.kind for job in active if not job.state.final}
    if JobKind.DESTROY in kinds:
        return ServiceStatus.DESTROYING
    if JobKind.APPLY in kinds:
        return ServiceStatus.DEPLOYING
    if info.drift.status is DriftStatus.DRIFTED:
        return ServiceStatus.DRIFTED
    if info.last_operation_failed:
        return ServiceStatus.FAILED
    if info.pending_changes:
        return ServiceStatus.CHANGED
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
        len(r.get("instances") or ()) for r in data.get("resources") or () if r.get("mode", "managed") == "managed"
    )
