"""A job as plain data, and its state transitions as plain functions.

QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELED, and INTERRUPTED for a job whose
API process died while it was queued or running (found at start-up).
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from app.engine.json_events import ResourceChange, RunView, Summary
from app.errors import Conflict


class JobKind(str, enum.Enum):
    PLAN = "PLAN"
    APPLY = "APPLY"
    DESTROY = "DESTROY"
    DRIFT_CHECK = "DRIFT_CHECK"

    # the drift-check policy, in one place: what a kind of job may do and owes others

    @property
    def is_users(self) -> bool:
        """An operation a user asked for: it counts in the tenant's limit, takes a place
        in the service's history, is announced as a JOB event, is refused when it cannot
        be recorded, preempts checks and supersedes saved plans. A drift check is
        SpawnIt's own and speaks through its verdict only."""
        return self is not JobKind.DRIFT_CHECK

    @property
    def holds_state_lock(self) -> bool:
        """The engine takes the state lock (a check plans with `-lock=false`): a killed
        job of this kind may have left a lock file behind."""
        return self is not JobKind.DRIFT_CHECK

    @property
    def preemptible(self) -> bool:
        """Stopped at once (killed) when a user's job comes for its service: it holds no
        state lock and writes nothing, so killing it is safe."""
        return self is JobKind.DRIFT_CHECK


class JobState(str, enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    INTERRUPTED = "INTERRUPTED"

    @property
    def final(self) -> bool:
        return self not in (JobState.QUEUED, JobState.RUNNING)


class Phase(str, enum.Enum):
    INIT = "INIT"
    PLAN = "PLAN"
    APPLY = "APPLY"
    DESTROY = "DESTROY"


@dataclass(frozen=True)
class Job:
    id: str
    tenant: str
    service: str
    kind: JobKind
    seq: int  # the job's place in its service's history (1, 2, ...)
    created_at: datetime
    state: JobState = JobState.QUEUED
    plan_job_id: str | None = None  # an APPLY of a saved plan
    phase: Phase | None = None
    done: int = 0
    total: int = 0
    summary: Summary | None = None
    changes: tuple[ResourceChange, ...] = ()
    has_changes: bool | None = None  # a plan's verdict (exit code 2 of -detailed-exitcode)
    exit_code: int | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancel_requested: bool = False
    forced: bool = False  # the engine had to be killed
    reason: str | None = None  # why SpawnIt itself canceled the job (it ran too long)
    pid: int | None = None
    worker: str | None = None  # the process that ran it: "<host>:<pid>"
    outputs: dict[str, Any] | None = field(default=None, compare=False)
    rev: int = 0  # bumped at every change: watchers drop anything older than what they saw

    def visible(self) -> tuple[object, ...]:
        """What a watcher of the job sees change (not the engine's pid, say)."""
        return (
            self.state,
            self.phase,
            self.done,
            self.total,
            self.summary,
            self.changes,
            self.has_changes,
            self.exit_code,
            self.error,
            self.cancel_requested,
            self.forced,
            self.reason,
            self.started_at,
            self.finished_at,
        )

    # -- transitions -------------------------------------------------------------

    @property
    def reached_changes(self) -> bool:
        """The engine got as far as changing infrastructure (an apply or destroy phase)."""
        return self.started_at is not None and self.phase in (Phase.APPLY, Phase.DESTROY)

    def started(self, at: datetime, worker: str | None = None) -> Job:
        if self.state is not JobState.QUEUED:
            raise Conflict(f"job {self.id} is {self.state.value}, it cannot start")
        return replace(self, state=JobState.RUNNING, started_at=at, worker=worker)

    def in_phase(self, phase: Phase, pid: int | None = None) -> Job:
        return replace(self, phase=phase, pid=pid if pid is not None else self.pid)

    def observed(self, view: RunView) -> Job:
        return replace(
            self,
            done=view.done,
            total=max(view.total, view.done),
            summary=view.summary or self.summary,
            changes=view.planned or self.changes,
        )

    def cancel_asked(self, force: bool) -> Job:
        if self.state.final:
            raise Conflict(f"job {self.id} has already ended ({self.state.value})")
        return replace(self, cancel_requested=True, forced=self.forced or force)

    def timed_out(self, reason: str) -> Job:
        """Canceled by SpawnIt: it ran longer than a job may."""
        return replace(self.cancel_asked(force=False), reason=reason)

    def finished(
        self,
        at: datetime,
        *,
        exit_code: int | None,
        error: str | None = None,
        succeeded: bool,
        outputs: dict[str, Any] | None = None,
        has_changes: bool | None = None,
        killed: bool = False,
    ) -> Job:
        if self.state.final:
            return self
        if self.cancel_requested:
            state = JobState.CANCELED
        else:
            state = JobState.SUCCEEDED if succeeded else JobState.FAILED
        return replace(
            self,
            state=state,
            exit_code=exit_code,
            error=None if state is JobState.SUCCEEDED else (self.reason or error),
            finished_at=at,
            outputs=outputs,
            has_changes=has_changes,
            forced=self.forced or killed,
            pid=None,
        )

    def canceled_in_queue(self, at: datetime) -> Job:
        if self.state is not JobState.QUEUED:
            raise Conflict(f"job {self.id} is not queued")
        return replace(self, state=JobState.CANCELED, cancel_requested=True, finished_at=at)

    def interrupted(self, at: datetime) -> Job:
        if self.state.final:
            return self
        return replace(
            self,
            state=JobState.INTERRUPTED,
            finished_at=at,
            error="the SpawnIt process running this job stopped before it ended",
            pid=None,
        )

    # -- records ---------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("created_at", "started_at", "finished_at"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        data["kind"] = self.kind.value
        data["state"] = self.state.value
        data["phase"] = self.phase.value if self.phase else None
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Job:
        def when(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        summary = data.get("summary")
        return cls(
            id=data["id"],
            tenant=data["tenant"],
            service=data["service"],
            kind=JobKind(data["kind"]),
            seq=int(data["seq"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            state=JobState(data["state"]),
            plan_job_id=data.get("plan_job_id"),
            phase=Phase(data["phase"]) if data.get("phase") else None,
            done=int(data.get("done", 0)),
            total=int(data.get("total", 0)),
            summary=Summary(**summary) if summary else None,
            changes=tuple(ResourceChange(**c) for c in data.get("changes") or ()),
            has_changes=data.get("has_changes"),
            exit_code=data.get("exit_code"),
            error=data.get("error"),
            started_at=when(data.get("started_at")),
            finished_at=when(data.get("finished_at")),
            cancel_requested=bool(data.get("cancel_requested", False)),
            forced=bool(data.get("forced", False)),
            reason=data.get("reason"),
            pid=data.get("pid"),
            worker=data.get("worker"),
            outputs=data.get("outputs"),
            rev=int(data.get("rev", 0)),
        )
