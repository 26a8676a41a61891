"""`SharedJobRunner`: the job runner of shared mode. Any replica submits (the job's record is
stored, then it joins the Redis queue); workers take jobs up (read back from storage), run
them, hold their leases, record a dead worker's jobs INTERRUPTED, and hear cancels asked on
any replica. A submitting replica keeps no live copy: readers see the stored record."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from redis.exceptions import RedisError

from app import metrics
from app.bus import job_topic
from app.clock import now
from app.errors import Conflict
from app.jobs.limits import Reservations, Slot
from app.jobs.live import LiveJob
from app.jobs.model import Job, JobState
from app.jobs.repository import JobRepository
from app.jobs.runner import WORKER, JobRunner
from app.jobs.updates import JobEvent
from app.shared.control import CancelControl
from app.shared.queue import RedisJobQueue, keep_leases

log = logging.getLogger("spawnit.shared")

LOST_KEPT = 1000  # jobs a worker lost, remembered so it never writes their records again
RECORD_TTL = 1.0  # another process's job record, read again past this age
RECENT_SECONDS = 60.0  # a QUEUED record younger than this may still be on its way into the queue
_NOBODY = Reservations()


class SharedSlot(Slot):
    """A tenant's place, checked and counted in Redis when the job is queued."""

    def __init__(self, tenant: str, limit: int, check: bool) -> None:
        super().__init__(_NOBODY, tenant, check)
        self.limit = limit

    def release(self) -> None:
        self._held = False


class SharedJobRunner(JobRunner):
    def __init__(
        self, repo: JobRepository, *args: Any, queue: RedisJobQueue, control: CancelControl, **kwargs: Any
    ) -> None:
        super().__init__(repo, *args, queue=queue, **kwargs)
        self.queue = queue
        self._repo = repo
        self._control = control
        self._lost_jobs: dict[str, None] = {}  # jobs whose lease this worker lost (the newest LOST_KEPT)
        repo.fenced = self._fenced
        self._tasks: list[asyncio.Task[None]] = []
        self._records: dict[str, tuple[float, Job | None]] = {}  # job id -> (read at, record): RECORD_TTL
        self._elsewhere: dict[str, list[Job]] = {}  # service -> its jobs other processes hold (look_up)

    # -- any replica ---------------------------------------------------------------------

    def reserve(self, tenant: str, limit: int, *, check: bool = False) -> Slot:
        return SharedSlot(tenant, limit, check)

    async def submit(self, job: Job, slot: Slot | None = None) -> Job:
        limit = slot.limit if isinstance(slot, SharedSlot) else None
        await self.queue.reserve(job.id, job.tenant, job.service, check=not job.kind.is_users, limit=limit)
        try:
            await self._recorder.first(job)
        except BaseException:
            await self.queue.discard(job.id)
            raise
        self.bus.publish(job_topic(job.id), JobEvent(job))
        self.job_state_changed(job, None)
        await self.queue.submit(job.id)
        if job.kind.is_users:
            await self._preempt_checks(job)
        return job

    async def _preempt_checks(self, job: Job) -> None:
        """A user's job preempts the drift checks of its service, wherever they are queued
        or run (withdrawn from the line, or killed by their worker)."""
        await self.look_up([job.service])
        for other in self.active_for(job.service):
            if other.kind.preemptible and other.id != job.id:
                log.info("drift check %s yields to job %s asked for by a user", other.id, job.id)
                with contextlib.suppress(Conflict):  # it ended meanwhile
                    await self.cancel(other, force=True)

    async def cancel(self, job: Job, force: bool) -> Job:
        live = self.live.find(job.id)
        if live is not None and not live.job.state.final:
            return await super().cancel(live.job, force)
        job.cancel_asked(force)  # Conflict if it has ended
        if await self.queue.withdraw(job.id):  # no worker can have it: canceled here
            stored = await self._repo.load(job.tenant, job.service, job.id) or job
            if stored.state is not JobState.QUEUED:
                return await self._ask(stored, force)
            live = LiveJob(self, stored)
            live.advance(stored.canceled_in_queue(now()), publish=False)
            live.log("canceled while queued")
            # recorded on its own: the caller may hold the service's record lock (a user's
            # submission preempting a check), which ending a job takes
            self._recorder.end_later(live)
            return live.job
        return await self._ask(job, force)

    def active_for(self, service: str) -> list[Job]:
        here = super().active_for(service)
        seen = {job.id for job in here}
        return here + [job for job in self._elsewhere.get(service, ()) if job.id not in seen]

    def active_by_service(self) -> dict[str, list[Job]]:
        found = super().active_by_service()
        for service in self._elsewhere:
            if jobs := self.active_for(service):
                found[service] = jobs
        return found

    async def look_up(self, services: list[str]) -> None:
        """The queued or running jobs of `services` that other processes hold: their stored
        records, by the service lines in Redis (for statuses and conflicts)."""
        if not services:
            return
        try:
            lined = await self.queue.lined(services)
        except (RedisError, OSError) as exc:  # reads answer from storage while Redis is away
            log.warning("jobs of other processes unknown (Redis unreachable: %s)", exc)
            return
        wanted = [(s, j, t) for s in services for j, t in lined.get(s, ()) if j not in self.live]
        loaded = await asyncio.gather(*(self._record(t, s, j) for s, j, t in wanted))
        found: dict[str, list[Job]] = {}
        for (service, _, _), job in zip(wanted, loaded, strict=True):
            if job is not None and not job.state.final:
                found.setdefault(service, []).append(job)
        for service in services:
            if service in found:
                self._elsewhere[service] = found[service]
            else:
                self._elsewhere.pop(service, None)  # nothing kept for a service without jobs
        stale = time.monotonic() - RECORD_TTL
        for job_id in [j for j, (at, _) in self._records.items() if at < stale]:
            del self._records[job_id]

    async def _record(self, tenant: str, service: str, job_id: str) -> Job | None:
        """A stored job record, read at most once a second (listings come often)."""
        cached = self._records.get(job_id)
        if cached is not None and cached[0] >= time.monotonic() - RECORD_TTL:
            return cached[1]
        job = await self._repo.load(tenant, service, job_id)
        self._records[job_id] = (time.monotonic(), job)
        return job

    async def _ask(self, job: Job, force: bool) -> Job:
        job.cancel_asked(force)
        await self._control.ask(job.id, force)
        return job.cancel_asked(force)

    async def ended_elsewhere(self, job_id: str) -> bool:
        """The job left the queue (ended, wherever it ran)."""
        return not await self.queue.known([job_id])

    # -- a worker ------------------------------------------------------------------------

    def start(self) -> None:
        """Take jobs, keep leases, hear cancels."""
        self._scheduler.start()
        self._tasks = [
            asyncio.create_task(keep_leases(self.queue, self._lost, self._orphaned), name="job-leases"),
            asyncio.create_task(self._control.watch(self._heard, self._look_again), name="job-cancels"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await super().close()

    async def _adopt(self, job_id: str) -> LiveJob | None:
        where = await self.queue.where(job_id)
        job = await self._repo.load(*where, job_id) if where is not None else None
        if job is None or job.state.final:
            return None
        live = LiveJob(self, job)
        self.live.add(live)
        if await self._control.asked(job_id) is not None:
            await super().cancel(job, False)  # canceled while queued: recorded so
        return live

    async def _heard(self, job_id: str) -> None:
        live = self.live.find(job_id)
        if live is None or live.job.state.final:
            return
        force = await self._control.asked(job_id)
        if force is not None:
            await super().cancel(live.job, force)

    async def _look_again(self) -> None:
        for live in self.live:
            await self._heard(live.job.id)

    async def _fenced(self, job: Job) -> bool:
        """Whether this worker may no longer write `job` (checked in Redis just before each
        write of a job it runs: a worker that stalled past its lease learns it at its first
        write, not at its next renewal)."""
        if job.id in self._lost_jobs:
            return True
        if job.id not in self.queue.held:
            return False  # not a job this worker runs (a replica recording a withdrawn job)
        try:
            holds = await self.queue.still_holds(job.id)
        except (RedisError, OSError):
            return False  # Redis away: nobody can have taken it over meanwhile
        if not holds:
            await self._lost(job.id)
        return not holds

    async def _lost(self, job_id: str) -> None:
        """Another worker took this job over (this one stalled, or Redis was unreachable,
        past the lease) and recorded it INTERRUPTED: stop the engine, and write nothing more
        of the job (its record and log are the other worker's now)."""
        self._lost_jobs[job_id] = None  # no record or log write of it from here on
        while len(self._lost_jobs) > LOST_KEPT:
            del self._lost_jobs[next(iter(self._lost_jobs))]
        live = self.live.find(job_id)
        if live is not None and not live.job.state.final:
            why = "this worker lost its lease on the job (Redis unreachable past SPAWNIT_WORKER_LEASE_SECONDS)"
            live.log(f"{why}: stopping")
            live.advance(live.job.timed_out(why))
            live.stop_engine()

    async def _orphaned(self, job_id: str) -> None:
        """A dead worker's job: INTERRUPTED (never run again silently), its service freed."""
        where = await self.queue.where(job_id)
        job = await self._repo.load(*where, job_id) if where is not None else None
        if job is not None and not job.state.final:
            metrics.lease_expired()
            await self._recorder.interrupt_stored(
                job, f"its worker ({job.worker or 'unknown'}) stopped renewing its lease"
            )
        await self.queue.ack(job_id)

    async def recover(self) -> list[Job]:
        """At a worker's start: stored jobs left RUNNING (or QUEUED a while) that the queue
        no longer knows become INTERRUPTED. Jobs the queue knows are others' to run, or
        found by the lease sweep if their worker died."""
        index = await self._repo.load_index()
        known = await self.queue.known([job_id for _, _, job_id in index])
        recovered = []
        for tenant, service, job_id in index:
            if job_id in known or job_id in self.live:
                continue
            job = await self._repo.load(tenant, service, job_id)
            if job is None or job.state.final:
                continue
            if job.state is JobState.QUEUED and (now() - job.created_at).total_seconds() < RECENT_SECONDS:
                continue
            recovered.append(await self._recorder.interrupt_stored(job, "no worker holds it any more"))
        log.info("worker %s: %d job(s) recovered", WORKER, len(recovered))
        return recovered
