"""Job queries for the API: a job (live or stored), a service's jobs, a job's log.

Every read takes the caller's tenant: another tenant's id answers exactly like an id
that does not exist (NOT_FOUND). Nothing here writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from app.errors import BadInput, NotFound
from app.ids import check_id
from app.jobs.logs import LogLine
from app.jobs.model import Job
from app.jobs.registry import LiveJobs
from app.jobs.repository import JobRepository

# (tenant, service id) -> raises NotFound unless the tenant has that service
ServiceCheck = Callable[[str, str], Awaitable[object]]


class OtherProcesses(Protocol):
    """Shared mode: jobs that other processes run (see app/shared/logs.py)."""

    async def log(self, job: Job, from_line: int, limit: int | None) -> list[LogLine]:
        """The log of a running job this process does not hold."""
        ...


class JobQueries:
    def __init__(
        self, repo: JobRepository, live: LiveJobs, service_check: ServiceCheck, others: OtherProcesses | None = None
    ) -> None:
        self._repo = repo
        self._live = live
        self._service_check = service_check
        self._others = others  # None: one process, every live job is in `live`

    def __len__(self) -> int:
        """Jobs on record (the index of stored jobs)."""
        return len(self._repo)

    async def find(self, tenant: str, job_id: str) -> Job:
        job_id = check_id(job_id)
        live = self._live.find(job_id)
        if live is not None:
            if live.job.tenant != tenant:
                raise NotFound(f"no job with id {job_id}", field="id")
            return live.job
        where = self._repo.locate(job_id)
        if where is None and self._others is not None:  # recorded by another process
            where = await self._repo.search(tenant, job_id)
        job = None
        if where is not None and where[0] == tenant:
            job = await self._repo.load(tenant, where[1], job_id)
        if job is None:
            raise NotFound(f"no job with id {job_id}", field="id")
        return job

    async def of_service(self, tenant: str, service_id: str) -> list[Job]:
        """The service's jobs, oldest first, each as fresh as this process knows it."""
        service_id = check_id(service_id)
        await self._service_check(tenant, service_id)
        stored = {j.id: j for j in await self._repo.list_for_service(tenant, service_id)}
        for job in self._live.active_of_service(service_id):
            stored[job.id] = job
        for job_id in list(stored):
            live = self._live.find(job_id)
            if live is not None:
                stored[job_id] = live.job
        return sorted(stored.values(), key=lambda j: (j.seq, j.created_at))

    async def log(self, tenant: str, job_id: str, from_line: int = 0, limit: int | None = None) -> list[LogLine]:
        """Lines `from_line` on (at most `limit` of them) of the job's log."""
        job = await self.find(tenant, job_id)
        if from_line < 0:
            raise BadInput("from_line must be 0 or more", field="from_line")
        if limit is not None and limit < 0:
            raise BadInput("limit must be 0 or more", field="limit")
        live = self._live.find(job.id)
        if live is not None:
            return live.book.since(from_line, limit)
        if self._others is not None and not job.state.final:
            return await self._others.log(job, from_line, limit)
        lines = await self._repo.load_log(tenant, job.service, job.id)
        end = None if limit is None else from_line + limit
        return lines[from_line:end]
