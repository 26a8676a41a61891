"""Job records and logs in storage, and the index from a job id to its service.

A record or log that cannot be read is skipped and reported by key (see
`app.storage.records`): a job with a state this version does not know is not listed and
not recovered; a log line that is not valid reads as a placeholder line."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from app.jobs.logs import LogLine, decode, encode
from app.jobs.model import Job
from app.storage import Store, keys
from app.storage.records import Unreadable, parse_record, reason, report

log = logging.getLogger("spawnit.jobs")
UNREADABLE_LINE = "[this log line could not be read]"


async def _never(job: Job) -> bool:
    return False


class JobRepository:
    def __init__(self, store: Store) -> None:
        self._store = store
        # shared mode: the jobs whose writes this process must no longer make (a worker that
        # lost its lease on them: another one recorded them, see app/shared/runner.py)
        self.fenced: Callable[[Job], Awaitable[bool]] = _never
        # job id -> (tenant, service): rebuilt from keys at start-up, kept up to date
        self._where: dict[str, tuple[str, str]] = {}

    async def load_index(self) -> list[tuple[str, str, str]]:
        """Index every stored job; return (tenant, service, job) of each."""
        found = []
        for key in await self._store.keys_under(keys.CLIENTS):
            parts = key.split("/")
            if len(parts) == 5 and parts[3] == "jobs" and parts[4].endswith(".json"):
                tenant, service, job = parts[1], parts[2], parts[4][: -len(".json")]
                if not all(keys.is_id(x) for x in (tenant, service, job)):
                    report(key, "not a key SpawnIt writes (its ids are not UUIDs)")
                    continue
                self._where[job] = (tenant, service)
                found.append((tenant, service, job))
        return found

    def locate(self, job_id: str) -> tuple[str, str] | None:
        return self._where.get(job_id) if keys.is_id(job_id) else None

    async def search(self, tenant: str, job_id: str) -> tuple[str, str] | None:
        """Where the tenant's job is, from storage (shared mode: another process may have
        recorded it since this index was built); indexed once found."""
        if not keys.is_id(job_id):
            return None
        name = f"{job_id}.json"
        for key in await self._store.keys_under(keys.tenant_prefix(tenant)):
            parts = key.split("/")
            if len(parts) == 5 and parts[3] == "jobs" and parts[4] == name and keys.is_id(parts[2]):
                self._where[job_id] = (tenant, parts[2])
                return tenant, parts[2]
        return None

    def forget_service(self, service: str) -> None:
        for job_id in [j for j, (_, s) in self._where.items() if s == service]:
            del self._where[job_id]

    async def delete(self, tenant: str, service: str, job_id: str) -> None:
        """A job's record and log, gone from storage and from the index."""
        await self._store.delete(keys.job_record(tenant, service, job_id))
        await self._store.delete(keys.job_log(tenant, service, job_id))
        await self._delete_chunks(tenant, service, job_id)
        self._where.pop(job_id, None)

    def __len__(self) -> int:
        """Jobs in the index."""
        return len(self._where)

    async def _refused(self, job: Job) -> bool:
        if await self.fenced(job):
            log.warning("job %s: write refused, this process lost its lease on the job", job.id)
            return True
        return False

    async def save(self, job: Job) -> None:
        if await self._refused(job):
            return
        key = keys.job_record(job.tenant, job.service, job.id)  # checks the ids first
        self._where[job.id] = (job.tenant, job.service)
        data = json.dumps(job.to_record(), sort_keys=True).encode()
        await self._store.put(key, data)

    async def load(self, tenant: str, service: str, job_id: str) -> Job | None:
        """The job, or None when there is none or its record cannot be read."""
        key = keys.job_record(tenant, service, job_id)
        raw = await self._store.get(key)
        return self._parse(key, raw) if raw is not None else None

    async def list_for_service(self, tenant: str, service: str) -> list[Job]:
        jobs = []
        for key in await self._store.keys_under(keys.jobs_prefix(tenant, service)):
            if key.endswith(".json"):
                raw = await self._store.get(key)
                job = self._parse(key, raw) if raw is not None else None
                if job is not None:
                    jobs.append(job)
        return sorted(jobs, key=lambda j: (j.seq, j.created_at))

    @staticmethod
    def _parse(key: str, raw: bytes) -> Job | None:
        try:
            job = parse_record(key, raw, Job.from_record)
        except Unreadable:
            return None
        parts = key.split("/")
        if (job.tenant, job.service, job.id) != (parts[1], parts[2], parts[4][: -len(".json")]):
            report(key, "its ids do not match its key")
            return None
        return job

    async def append_log(self, job: Job, lines: list[LogLine]) -> None:
        """`lines` (the ones since the last flush) as a chunk of the running job's log,
        named by its first line: writing the same flush again replaces it, never doubles it."""
        if not lines or await self._refused(job):
            return
        key = keys.job_log_chunk(job.tenant, job.service, job.id, lines[0].number)
        await self._store.put(key, await _encoded(lines))

    async def save_log(self, job: Job, lines: list[LogLine]) -> None:
        """The whole log, archived as one object; the chunks of its flushes then go."""
        if await self._refused(job):
            return
        await self._store.put(keys.job_log(job.tenant, job.service, job.id), await _encoded(lines))
        await self._delete_chunks(job.tenant, job.service, job.id)

    async def load_log(self, tenant: str, service: str, job_id: str) -> list[LogLine]:
        """The archived log, else (a job running, or one a stopped process left) its chunks in order."""
        key = keys.job_log(tenant, service, job_id)
        raw = await self._store.get(key)
        if raw is None:
            parts = []
            for chunk in await self._chunks(tenant, service, job_id):
                data = await self._store.get(chunk)
                if data is not None:
                    parts.append(data if data.endswith(b"\n") else data + b"\n")
            if not parts:
                return []
            key, raw = keys.job_log_chunks(tenant, service, job_id), b"".join(parts)
        try:
            return decode(raw)
        except Exception as exc:  # a damaged log: keep every line that still reads
            report(key, reason(exc))
            return _salvage(raw)

    async def _chunks(self, tenant: str, service: str, job_id: str) -> list[str]:
        prefix = keys.job_log_chunks(tenant, service, job_id)
        return [k for k in await self._store.keys_under(prefix) if keys.is_log_chunk(k, prefix)]

    async def _delete_chunks(self, tenant: str, service: str, job_id: str) -> None:
        for chunk in await self._chunks(tenant, service, job_id):
            await self._store.delete(chunk)


BIG_ENCODE = 2000  # lines: more are encoded in a worker thread, not on the event loop


async def _encoded(lines: list[LogLine]) -> bytes:
    return await asyncio.to_thread(encode, lines) if len(lines) > BIG_ENCODE else encode(lines)


def _salvage(raw: bytes) -> list[LogLine]:
    """Every line of a damaged log, numbered again from 0: the ones that cannot be read
    become a placeholder, so line numbers (and `fromLine`) stay meaningful."""
    out: list[LogLine] = []
    at = datetime(1970, 1, 1, tzinfo=UTC)
    for text in raw.decode("utf-8", errors="replace").splitlines():
        if not text.strip():
            continue
        try:
            line = decode(text.encode())[0]
            at = line.at
            out.append(LogLine(len(out), line.text, at))
        except Exception:
            out.append(LogLine(len(out), UNREADABLE_LINE, at))
    return out
