"""A service's health after a job: a probe of its `endpoint` output when the job says
something about it (an apply that succeeded, a drift check), else nothing."""

from __future__ import annotations

from typing import Any

from app.clock import now
from app.drift.model import Health, HealthStatus
from app.drift.probe import probe
from app.jobs.model import Job, JobKind, JobState
from app.services.model import ServiceInfo


class HealthCheck:
    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds

    async def after(self, info: ServiceInfo, job: Job) -> Health | None:
        """The health `job` leaves the service in, or None when it says nothing."""
        if job.state is not JobState.SUCCEEDED and job.kind.is_users:
            return None
        if job.kind is JobKind.DESTROY:
            return Health(HealthStatus.UNKNOWN, now(), None, "destroyed")
        if job.kind is JobKind.APPLY:
            return await self._probe_endpoint(job.outputs or {})
        if job.kind is JobKind.DRIFT_CHECK and job.state in (JobState.SUCCEEDED, JobState.FAILED):
            return await self._probe(info)
        return None

    async def _probe(self, info: ServiceInfo) -> Health | None:
        if not info.applied:
            return None
        return await self._probe_endpoint(info.outputs)

    async def _probe_endpoint(self, outputs: dict[str, dict[str, Any]]) -> Health:
        """The `endpoint` output answering, and (when the service says which) its own
        process listening on it (`pid`)."""
        endpoint, pid = ((outputs.get(name) or {}).get("value") for name in ("endpoint", "pid"))
        result = await probe(endpoint, self._timeout, owner=pid)
        return Health(result.status, now(), result.latency_ms, result.detail)
