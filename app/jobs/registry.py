"""The registry of live jobs: the jobs this process queued or runs, by id, kept a short
while after they end (late readers find them in storage anyway)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from app.jobs.live import LiveJob
from app.jobs.model import Job

KEPT_AFTER_END_SECONDS = 30.0


class LiveJobs:
    def __init__(self, kept_after_end: float = KEPT_AFTER_END_SECONDS) -> None:
        self._live: dict[str, LiveJob] = {}
        self._kept = kept_after_end

    def add(self, live: LiveJob) -> None:
        self._live[live.job.id] = live

    def find(self, job_id: str) -> LiveJob | None:
        return self._live.get(job_id)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._live

    def __iter__(self) -> Iterator[LiveJob]:
        """A snapshot: safe while jobs come and go."""
        return iter(list(self._live.values()))

    def __len__(self) -> int:
        return len(self._live)

    def ended(self, job_id: str) -> None:
        """Forget `job_id` once its record had time to reach every late reader."""
        asyncio.get_running_loop().call_later(self._kept, self._live.pop, job_id, None)

    def active_of_service(self, service: str) -> list[Job]:
        """A service's queued or running jobs."""
        return [lj.job for lj in self if lj.job.service == service and not lj.job.state.final]

    def active_by_service(self) -> dict[str, list[Job]]:
        """The queued or running jobs of every service that has any, in one pass."""
        found: dict[str, list[Job]] = {}
        for lj in self:
            if not lj.job.state.final:
                found.setdefault(lj.job.service, []).append(lj.job)
        return found

    def active_of_tenant(self, tenant: str, *, users_only: bool) -> int:
        """A tenant's queued or running jobs (`users_only`: drift checks left out)."""
        return sum(
            1
            for lj in self
            if lj.job.tenant == tenant and not lj.job.state.final and (lj.job.kind.is_users or not users_only)
        )
