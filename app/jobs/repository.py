"""Job records and logs in storage, and the index from a job id to its service."""

from __future__ import annotations

import json

from app.jobs.logs import LogLine, decode, encode
from app.jobs.model import Job
from app.storage import Store, keys


class JobRepository:
    def __init__(self, store: Store) -> None:
        self._store = store
        # job id -> (tenant, service): rebuilt from keys at start-up, kept up to date
        self._where: dict[str, tuple[str, str]] = {}

    async def load_index(self) -> list[tuple[str, str, str]]:
        """Index every stored job; return (tenant, service, job) of each."""
        found = []
        for key in await self._store.list(keys.CLIENTS):
            parts = key.split("/")
            if len(parts) == 5 and parts[3] == "jobs" and parts[4].endswith(".json"):
                tenant, service, job = parts[1], parts[2], parts[4][: -len(".json")]
                self._where[job] = (tenant, service)
                found.append((tenant, service, job))
        return found

    def locate(self, job_id: str) -> tuple[str, str] | None:
        return self._where.get(job_id)

    def forget_service(self, service: str) -> None:
        for job_id in [j for j, (_, s) in self._where.items() if s == service]:
            del self._where[job_id]

    async def save(self, job: Job) -> None:
        self._where[job.id] = (job.tenant, job.service)
        data = json.dumps(job.to_record(), sort_keys=True).encode()
        await self._store.put(keys.job_record(job.tenant, job.service, job.id), data)

    async def load(self, tenant: str, service: str, job_id: str) -> Job | None:
        raw = await self._store.get(keys.job_record(tenant, service, job_id))
        return Job.from_record(json.loads(raw)) if raw is not None else None

    async def list_for_service(self, tenant: str, service: str) -> list[Job]:
        jobs = []
        for key in await self._store.list(keys.jobs_prefix(tenant, service)):
            if key.endswith(".json"):
                raw = await self._store.get(key)
                if raw is not None:
                    jobs.append(Job.from_record(json.loads(raw)))
        return sorted(jobs, key=lambda j: (j.seq, j.created_at))

    async def save_log(self, job: Job, lines: list[LogLine]) -> None:
        await self._store.put(keys.job_log(job.tenant, job.service, job.id), encode(lines))

    async def load_log(self, tenant: str, service: str, job_id: str) -> list[LogLine]:
        raw = await self._store.get(keys.job_log(tenant, service, job_id))
        return decode(raw) if raw is not None else []
