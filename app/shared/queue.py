"""`RedisJobQueue`: the `JobQueue` of shared mode, on a Redis Stream with a consumer group.

A job is `reserve`d (its id refused if queued or taken already, the tenant's limit checked
and counted, all in one Lua step), then `submit`ted once its record is stored: it joins its
service's line (a list per service), and the head of a line is added to the stream. So the
stream only ever holds jobs whose service has nothing else queued before them: jobs of one
service go one at a time, in submission order, whichever replica took them in; jobs of
different services go in parallel to whichever worker reads them (`XREADGROUP`).

A worker holds what it took with a lease: the entry's idle time in the group, reset every
third of the lease (`XCLAIM ... JUSTID`, by a Lua step that claims only entries this worker
still owns). A worker that died stops renewing; past the lease another worker's sweep takes
its entries over (`XAUTOCLAIM`) and hands them to `orphaned` (the runner records the job
INTERRUPTED), then acks them. `ack` (Lua) drops the entry, the id, the tenant's count and
the job's place in its line, and adds the next job of that line to the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from app.errors import LimitExceeded
from app.shared.connection import key
from app.shared.scripts import ACK, RENEW, RESERVE, SUBMIT, WITHDRAW

log = logging.getLogger("spawnit.shared")

GROUP = "workers"
RETRY_SECONDS = 0.5  # Redis unreachable: try again this often
BLOCK_MS = 2000


class Duplicate(ValueError):
    """An id that is queued or taken already."""


class RedisJobQueue:
    def __init__(self, redis: aioredis.Redis, consumer: str, lease_seconds: float) -> None:
        self._redis = redis
        self.consumer = consumer  # this worker's name in the group
        self.lease_seconds = lease_seconds
        self._stream = key("jobs", "stream")
        self._ids = key("jobs", "ids")
        self._users = key("jobs", "tenant-jobs")
        self._checks = key("jobs", "tenant-checks")
        self._line = key("jobs", "line", "")
        self._held: dict[str, str] = {}  # job id -> stream entry, while this worker holds it
        self._group_ready = False
        self._reserve = redis.register_script(RESERVE)
        self._submit = redis.register_script(SUBMIT)
        self._ack = redis.register_script(ACK)
        self._renew = redis.register_script(RENEW)
        self._withdraw = redis.register_script(WITHDRAW)

    def _meta(self, job_id: str) -> str:
        return key("jobs", "job", job_id)

    # -- an API replica's side ---------------------------------------------------------

    async def reserve(self, job_id: str, tenant: str, service: str, *, check: bool, limit: int | None) -> None:
        """A place for the job: Duplicate if its id is queued or taken, LimitExceeded past
        `limit` (the tenant's users' jobs, and its checks too for a check), in one step."""
        keys = [self._ids, self._meta(job_id), self._users, self._checks]
        args = [job_id, tenant, service, "1" if check else "0", str(limit or 0)]
        answer = int(await self._reserve(keys=keys, args=args))
        if answer == -1:
            raise Duplicate(f"job {job_id} is already queued or taken")
        if answer == -2:
            what = "jobs and drift checks" if check else "jobs"
            raise LimitExceeded(f"{limit} {what} are already queued or running for you: wait for some to end")

    async def submit(self, job_id: str) -> None:
        """The reserved job joins its service's line (the stream, if it is the head)."""
        answer = int(await self._submit(keys=[self._meta(job_id), self._stream], args=[job_id, self._line]))
        if answer == -1:
            raise ValueError(f"job {job_id} was not reserved")
        if answer == -2:
            raise Duplicate(f"job {job_id} is already queued or taken")

    async def discard(self, job_id: str) -> None:
        """A reservation given up (its record could not be stored)."""
        await self.withdraw(job_id)

    async def withdraw(self, job_id: str) -> bool:
        """Out of the queue if no worker can have it yet (not the head of its line): True.
        False: it is in the stream or taken, a worker will see it."""
        keys = [self._stream, self._meta(job_id), self._ids, self._users, self._checks]
        return bool(await self._withdraw(keys=keys, args=[job_id, self._line]))

    async def where(self, job_id: str) -> tuple[str, str] | None:
        """(tenant, service) of a queued or taken job."""
        found: list[Any] = await self._redis.hmget(self._meta(job_id), ["tenant", "service"])
        tenant, service = found
        if tenant is None or service is None:
            return None
        return bytes(tenant).decode(), bytes(service).decode()

    async def known(self, job_ids: list[str]) -> set[str]:
        """Those of `job_ids` that are queued or taken."""
        if not job_ids:
            return set()
        flags = await self._redis.smismember(self._ids, job_ids)
        return {job_id for job_id, flag in zip(job_ids, flags, strict=True) if flag}

    async def lined(self, services: list[str]) -> dict[str, list[tuple[str, str]]]:
        """The jobs queued or taken of each of `services`: service -> [(job id, tenant)], in order."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for service in services:
                pipe.lrange(self._line + service, 0, -1)
            lines: list[Any] = await pipe.execute()
        ids = {service: [bytes(j).decode() for j in line] for service, line in zip(services, lines, strict=True)}
        wanted = [job_id for line in ids.values() for job_id in line]
        if not wanted:
            return {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for job_id in wanted:
                pipe.hget(self._meta(job_id), "tenant")
            tenants = dict(zip(wanted, await pipe.execute(), strict=True))
        return {
            service: [(j, bytes(tenants[j]).decode()) for j in line if tenants.get(j) is not None]
            for service, line in ids.items()
            if line
        }

    async def depth(self) -> int:
        return int(await self._redis.scard(self._ids))

    # -- a worker's side ---------------------------------------------------------------

    async def take(self) -> str:
        """The next job whose service is free (waits for one, through Redis outages)."""
        while True:
            try:
                await self._ensure_group()
                answer: Any = await self._redis.xreadgroup(
                    GROUP, self.consumer, {self._stream: ">"}, count=1, block=BLOCK_MS
                )
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                self._group_ready = False  # Redis lost its data: make the group again
                continue
            except (RedisError, OSError) as exc:
                log.warning("job queue: Redis unreachable (%s): trying again", exc)
                self._group_ready = False
                await asyncio.sleep(RETRY_SECONDS)
                continue
            for _stream, entries in answer or ():
                for entry_id, fields in entries:
                    job_id = str(fields[b"job"].decode())
                    self._held[job_id] = entry_id.decode()
                    return job_id

    async def ack(self, job_id: str) -> None:
        """Done with `job_id`: its service goes to its next job. Retried while Redis is away."""
        entry = self._held.get(job_id, "")
        keys = [self._stream, self._meta(job_id), self._ids, self._users, self._checks]
        while True:
            try:
                await self._ack(keys=keys, args=[job_id, GROUP, entry, self._line])
                break
            except (RedisError, OSError) as exc:
                log.warning("job queue: could not ack job %s (%s): trying again", job_id, exc)
                await asyncio.sleep(RETRY_SECONDS)
        self._held.pop(job_id, None)

    async def requeue(self, job_id: str) -> None:
        """Back into the stream (its place in the line kept)."""
        entry = self._held.pop(job_id, "")
        async with self._redis.pipeline(transaction=True) as pipe:
            if entry:
                pipe.xack(self._stream, GROUP, entry)
                pipe.xdel(self._stream, entry)
            pipe.xadd(self._stream, {"job": job_id})
            await pipe.execute()

    @property
    def held(self) -> list[str]:
        return list(self._held)

    async def renew(self) -> list[str]:
        """The lease on every job this worker holds starts again; the ids it lost."""
        if not self._held:
            return []
        entries = {entry: job_id for job_id, entry in self._held.items()}
        lost = await self._renew(keys=[self._stream], args=[GROUP, self.consumer, *entries])
        gone = [entries[e.decode()] for e in lost if e.decode() in entries]
        for job_id in gone:
            self._held.pop(job_id, None)
        return gone

    async def still_holds(self, job_id: str) -> bool:
        """Whether this worker still holds `job_id` (its lease renewed if so)."""
        entry = self._held.get(job_id)
        if entry is None:
            return False
        lost = await self._renew(keys=[self._stream], args=[GROUP, self.consumer, entry])
        if lost:
            self._held.pop(job_id, None)
        return not lost

    async def orphans(self) -> list[str]:
        """Jobs taken by a worker that stopped renewing for a lease: now held by this one
        (to record and ack)."""
        found: list[str] = []
        idle = int(self.lease_seconds * 1000)
        cursor = "0-0"
        for _ in range(100):  # bounded: at most 100 pages of 20 per sweep
            answer = await self._redis.xautoclaim(self._stream, GROUP, self.consumer, idle, cursor, count=20)
            cursor, entries = answer[0], answer[1]
            for entry_id, fields in entries:
                if fields and b"job" in fields:
                    job_id = fields[b"job"].decode()
                    if job_id not in self._held:
                        self._held[job_id] = entry_id.decode()
                        found.append(job_id)
            if cursor in (b"0-0", "0-0"):
                break
        return found

    async def _ensure_group(self) -> None:
        if self._group_ready:
            return
        with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists
            await self._redis.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        self._group_ready = True


async def keep_leases(
    queue: RedisJobQueue,
    lost: Callable[[str], Awaitable[None]],
    orphaned: Callable[[str], Awaitable[None]],
) -> None:
    """Every third of the lease: renew what this worker holds (`lost` for what it no
    longer does), and take over (`orphaned`) what dead workers held."""
    loop = asyncio.get_running_loop()
    quiet_until = 0.0  # after an outage every entry looks idle: give live workers a lease to renew
    while True:
        await asyncio.sleep(queue.lease_seconds / 3)
        try:
            for job_id in await queue.renew():
                await lost(job_id)
            if loop.time() >= quiet_until:
                for job_id in await queue.orphans():
                    await orphaned(job_id)
        except (RedisError, OSError) as exc:
            log.warning("job leases: Redis unreachable (%s): trying again", exc)
            quiet_until = loop.time() + queue.lease_seconds
        except Exception:
            log.exception("job leases: a sweep failed")
