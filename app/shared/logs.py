"""A running job's log as any process reads it in shared mode: from the job's Redis stream
(written by the process that runs it, see `app/shared/bus.py`), completed from storage
(the chunks its flushes put) where the stream lacks lines (trimmed, expired, or Redis
away), so a reader never sees a gap; a job that ended is read from storage alone."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.jobs.logs import LogLine
from app.jobs.model import Job
from app.jobs.repository import JobRepository
from app.shared.bus import log_key
from app.storage import Store

log = logging.getLogger("spawnit.shared.logs")


class RedisLogs:
    def __init__(self, redis: aioredis.Redis, repo: JobRepository) -> None:
        self._redis = redis
        self._repo = repo

    async def log(self, job: Job, from_line: int, limit: int | None) -> list[LogLine]:
        """Lines `from_line` on (at most `limit`) of a job another process runs."""
        streamed = await self.streamed(job.id, from_line, limit)
        if streamed is not None and contiguous(streamed, from_line, limit):
            return streamed
        stored = await self._repo.load_log(job.tenant, job.service, job.id)
        return merged(stored, streamed or [], from_line, limit)

    async def streamed(self, job_id: str, from_line: int, limit: int | None) -> list[LogLine] | None:
        """The stream's lines from `from_line`, or None when the job has no stream (or Redis is away)."""
        if limit == 0:
            return []
        try:
            entries = await self._redis.xrange(log_key(job_id), min=f"0-{from_line + 1}", max="+", count=limit)
            if not entries and not await self._redis.exists(log_key(job_id)):
                return None
        except (RedisError, OSError) as exc:
            log.warning("the log of job %s is read from storage: Redis %s", job_id, type(exc).__name__)
            return None
        return [_line(entry_id, fields) for entry_id, fields in entries or ()]


def _line(entry_id: Any, fields: Any) -> LogLine:
    number = int(entry_id.split(b"-")[1]) - 1
    return LogLine(number, fields[b"t"].decode(), datetime.fromisoformat(fields[b"at"].decode()))


def contiguous(lines: list[LogLine], from_line: int, limit: int | None) -> bool:
    """`lines` are exactly the lines from `from_line` on, without a hole."""
    if lines and lines[0].number != from_line:
        return False
    return all(b.number == a.number + 1 for a, b in zip(lines, lines[1:], strict=False))


def merged(stored: list[LogLine], streamed: list[LogLine], from_line: int, limit: int | None) -> list[LogLine]:
    """The lines of both from `from_line` on, each once, up to the first missing one."""
    by_number = {line.number: line for line in stored if line.number >= from_line}
    by_number.update((line.number, line) for line in streamed)
    out: list[LogLine] = []
    number = from_line
    while number in by_number and (limit is None or len(out) < limit):
        out.append(by_number[number])
        number += 1
    return out


class SharedJobRepository(JobRepository):
    """Shared mode's job records: a log read from storage is completed from the job's
    stream, which may hold lines its worker streamed but never flushed (a worker killed
    between two flushes): the log archived when another worker interrupts the job, and
    every reader after, holds every line a follower was sent, once."""

    def __init__(self, store: Store, redis: aioredis.Redis) -> None:
        super().__init__(store)
        self._logs = RedisLogs(redis, self)

    async def load_log(self, tenant: str, service: str, job_id: str) -> list[LogLine]:
        stored = await super().load_log(tenant, service, job_id)
        streamed = await self._logs.streamed(job_id, len(stored), None)
        return merged(stored, streamed, 0, None) if streamed else stored
