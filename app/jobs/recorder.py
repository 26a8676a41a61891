"""The recorder: what a job leaves in storage. Its first record, the log flushed while
it runs, its last record and log when it ends (then what it means for its service),
and the jobs a stopped process left QUEUED or RUNNING, recorded INTERRUPTED."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace

from app import metrics
from app.bus import Bus, job_topic
from app.clock import now
from app.errors import SpawnItError
from app.jobs.live import LiveJob
from app.jobs.logs import LogBook
from app.jobs.model import Job
from app.jobs.reaper import reap
from app.jobs.registry import LiveJobs
from app.jobs.repository import JobRepository
from app.jobs.updates import JobEvent, LineEvent
from app.jobs.workspace import EndOfJob

log = logging.getLogger("spawnit.jobs")


class JobRecorder:
    def __init__(
        self, repo: JobRepository, bus: Bus, bookkeeping: EndOfJob, live: LiveJobs, *, flush_seconds: float = 1.0
    ) -> None:
        self._repo = repo
        self._bus = bus
        self._bookkeeping = bookkeeping
        self._live = live
        self._flush_every = flush_seconds
        self._endings: set[asyncio.Task[None]] = set()  # ends recorded on their own

    async def first(self, job: Job) -> None:
        """The record of a new job. A user's job is refused when it cannot be recorded;
        a check runs anyway (it will fail, and say so as its verdict)."""
        if job.kind.is_users:
            await self._repo.save(job)
            return
        try:
            await self._repo.save(job)
        except Exception as exc:
            log.warning("could not store drift check %s: %s", job.id, exc)

    async def save(self, job: Job) -> None:
        await self._repo.save(job)

    def flushing(self, live: LiveJob) -> Flushing:
        """The log of `live` appended to storage every few seconds while it runs."""
        return Flushing(self, live, self._flush_every)

    async def flush(self, live: LiveJob) -> None:
        """The lines since the last flush, as a chunk of its own (and the record) in
        storage, if any are new: the cost of a flush is the lines it adds, not the log."""
        if not live.book.dirty:
            return
        count = len(live.book.lines)
        try:
            await self._repo.append_log(live.job, live.book.lines[live.book.flushed : count])
            await self._repo.save(live.job)
            live.book.flushed = count
        except Exception:
            log.warning("could not flush the log of job %s", live.job.id)

    async def end(self, live: LiveJob) -> None:
        """The job has ended: its last record and log, what it means for its service,
        the final event, and its place in the registry given up."""
        try:
            try:
                await self._repo.save_log(live.job, live.book.lines)
                live.book.flushed = len(live.book.lines)
                await self._repo.save(live.job)
            except Exception as exc:  # storage down: the service still learns how the job ended
                log.error("could not store the end of job %s: %s", live.job.id, exc)
            try:
                if not await self._repo.fenced(live.job):  # else the process that took it over booked it
                    await self._forget(live.job, await self._bookkeeping.job_ended(live.job))
            except SpawnItError as exc:
                log.error("could not record what job %s means for its service: %s", live.job.id, exc.message)
            except Exception:
                log.exception("could not record what job %s means for its service", live.job.id)
        finally:
            self._bus.publish(job_topic(live.job.id), JobEvent(live.job))
            _count(live.job)
            log.info("%s job %s ended %s", live.job.kind.value, live.job.id, live.job.state.value)
            live.ended.set()
            self._live.ended(live.job.id)

    def end_later(self, live: LiveJob) -> None:
        """`end` on its own: the caller may hold a lock that ending a job takes."""
        task = asyncio.create_task(self.end(live), name=f"end-{live.job.id}")
        self._endings.add(task)
        task.add_done_callback(self._endings.discard)

    @property
    def endings(self) -> list[asyncio.Task[None]]:
        return list(self._endings)

    async def recover(self, grace: float) -> list[Job]:
        """Jobs a dead process left QUEUED or RUNNING become INTERRUPTED."""
        recovered = []
        for tenant, service, job_id in await self._repo.load_index():
            if job_id in self._live:
                continue
            job = await self._repo.load(tenant, service, job_id)
            if job is None or job.state.final:
                continue
            await reap(job.pid, grace)
            recovered.append(await self.interrupt_stored(job))
        return recovered

    async def interrupt_stored(self, job: Job, why: str = "the SpawnIt process running it stopped") -> Job:
        """A stored job nobody runs any more: INTERRUPTED, its log says why, its service learns."""
        job = replace(job.interrupted(now()), rev=job.rev + 1)  # a change: watchers take it
        book = LogBook(await self._repo.load_log(job.tenant, job.service, job.id))
        book.add(f"job interrupted: {why}", now())
        await self._repo.save_log(job, book.lines)
        await self._repo.save(job)
        await self._forget(job, await self._bookkeeping.job_ended(job))
        # its followers (on any replica) get the last line and the end: nobody else will say it
        self._bus.publish(job_topic(job.id), LineEvent(book.lines[-1]))
        self._bus.publish(job_topic(job.id), JobEvent(job))
        _count(job)
        log.warning("job %s was left running or queued (%s): INTERRUPTED", job.id, why)
        return job

    async def _forget(self, job: Job, dropped: tuple[str, ...]) -> None:
        """The jobs of `job`'s service it no longer keeps: out of storage and the index."""
        for job_id in dropped:
            await self._repo.delete(job.tenant, job.service, job_id)


def _count(job: Job) -> None:
    """The job's end in the metrics: by kind and state, and how long it ran."""
    ran = (job.finished_at - job.started_at).total_seconds() if job.started_at and job.finished_at else None
    metrics.job_ended(job.kind.value, job.state.value, ran)


class Flushing:
    """A job's log flushed every `every` seconds until `stop`, which waits for a flush
    under way: no write of a chunk can land after the job's end has archived its log."""

    def __init__(self, recorder: JobRecorder, live: LiveJob, every: float) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._loop(recorder, live, every), name=f"flush-{live.job.id}")

    async def _loop(self, recorder: JobRecorder, live: LiveJob, every: float) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), every)
            if not self._stop.is_set():
                await recorder.flush(live)

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.shield(self._task)  # if we are canceled meanwhile, the flush still ends
