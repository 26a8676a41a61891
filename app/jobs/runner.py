"""The job runner: a job's life in this process. It registers a submitted job (the
registry), hands it to the scheduler (when it runs), performs its engine steps under a
timeout, cancels it (SIGINT, then SIGKILL after a grace period), and leaves its records
and log to the recorder.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable

from app.bus import Bus, job_topic, tenant_topic
from app.clock import now
from app.errors import SpawnItError
from app.jobs.limits import Reservations, Slot
from app.jobs.live import LiveJob
from app.jobs.locks import Locks
from app.jobs.model import Job, JobState
from app.jobs.queue import JobQueue
from app.jobs.recorder import JobRecorder
from app.jobs.registry import LiveJobs
from app.jobs.repository import JobRepository
from app.jobs.scheduler import LEASE_SECONDS, Scheduler
from app.jobs.steps import EngineSteps, Outcome
from app.jobs.updates import JobEvent
from app.jobs.workspace import EndOfJob, Workspaces
from app.services.events import EventKind, ServiceEvent
from app.vault.masker import Masker, mask_values

log = logging.getLogger("spawnit.jobs")
WORKER = f"{socket.gethostname()}:{os.getpid()}"  # who runs the jobs this process runs


class JobRunner:
    """A job's life in this process: submitted (recorded, registered, scheduled),
    executed (the engine steps under a timeout), canceled, or stopped with the process."""

    def __init__(
        self,
        repo: JobRepository,
        bus: Bus,
        steps: EngineSteps,
        workspaces: Workspaces,
        bookkeeping: EndOfJob,
        *,
        max_parallel: int,
        grace_seconds: float,
        log_flush_seconds: float = 1.0,
        max_parallel_checks: int = 2,
        job_timeout_seconds: float = 3600.0,
        queue: JobQueue,
        locks: Locks,
        live: LiveJobs | None = None,
        take_at_most: int | None = None,
        service_lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.bus = bus
        self.grace = grace_seconds
        self.live = live if live is not None else LiveJobs()
        self._timeout = job_timeout_seconds
        self._steps = steps
        self._workspaces = workspaces
        self._recorder = JobRecorder(repo, bus, bookkeeping, self.live, flush_seconds=log_flush_seconds)
        self._scheduler = Scheduler(
            self.live,
            queue,
            locks,
            execute=self._execute,
            stopped_in_queue=self._stopped_in_queue,
            max_parallel=max_parallel,
            max_parallel_checks=max_parallel_checks,
            adopt=self._adopt,
            take_at_most=take_at_most,
            lease_seconds=service_lease_seconds,
        )
        self._reservations = Reservations()
        self._closing = False

    def job_state_changed(self, job: Job, old: JobState | None) -> None:
        """One service event per change of a user's job state (drift checks speak
        through their verdicts only)."""
        if not job.kind.is_users:
            return
        event = ServiceEvent(
            job.tenant, job.service, EventKind.JOB, old.value if old else None, job.state.value, now(), job.id
        )
        self.bus.publish(tenant_topic(job.tenant), event)

    def reserve(self, tenant: str, limit: int, *, check: bool = False) -> Slot:
        """A place for one more job of `tenant` under `limit` (a user's job counts the
        tenant's jobs; a check asked for by the user counts their checks too), held
        until `submit` makes the job live. Raises LimitExceeded."""
        live = self.live.active_of_tenant(tenant, users_only=not check)
        return self._reservations.take(tenant, live, limit, check=check)

    def active_for(self, service: str) -> list[Job]:
        return self.live.active_of_service(service)

    def active_by_service(self) -> dict[str, list[Job]]:
        """Every service's queued or running jobs, read once (services without any left out)."""
        return self.live.active_by_service()

    async def look_up(self, services: list[str]) -> None:
        """Before `active_for` of these services: learn what other processes run (shared mode)."""

    async def submit(self, job: Job, slot: Slot | None = None) -> Job:
        live = LiveJob(self, job)
        await self._recorder.first(job)
        self.live.add(live)
        if slot is not None:
            slot.release()  # counted as live from now on, in the same step
        self.bus.publish(job_topic(job.id), JobEvent(job))
        self.job_state_changed(job, None)
        for check in self._scheduler.yielding_to(job):
            check.log(f"yielding to job {job.id} ({job.kind.value}) asked for by a user")
            await self.cancel(check.job, force=True)
        await self._scheduler.schedule(live)
        return job

    async def cancel(self, job: Job, force: bool) -> Job:
        live = self.live.find(job.id)
        if live is None or live.job.state.final:
            job.cancel_asked(force)  # raises Conflict: it has ended
            return job
        if live.job.state is JobState.QUEUED:
            live.advance(live.job.canceled_in_queue(now()), publish=False)
            live.log("canceled while queued")
            if live.task is not None:
                live.task.cancel()
            # its bookkeeping runs on its own: the caller may hold a lock that ending a
            # job takes (a user's submission preempting a queued check holds the
            # service's), and waiting for it here would wait for ourselves
            self._recorder.end_later(live)
            return live.job
        live.advance(live.job.cancel_asked(force))
        live.log("cancel requested: " + ("killing the engine" if force else "interrupting the engine (SIGINT)"))
        live.stop_engine()
        return live.job

    async def wait(self, job_id: str) -> None:
        live = self.live.find(job_id)
        if live is not None:
            await live.ended.wait()

    async def recover(self) -> list[Job]:
        """Jobs a dead process left QUEUED or RUNNING become INTERRUPTED."""
        return await self._recorder.recover(self.grace)

    async def close(self) -> None:
        """Stop: running engines are interrupted, then killed past the grace period."""
        self._closing = True
        await self._scheduler.close()
        for live in self.live:
            if live.job.state is JobState.RUNNING:
                live.advance(live.job.cancel_asked(False))
                live.stop_engine()
        tasks = [lj.task for lj in self.live if lj.task is not None and not lj.task.done()]
        for live in self.live:
            if live.job.state is JobState.QUEUED:  # recorded INTERRUPTED here, even if its task never ran
                live.advance(live.job.interrupted(now()), publish=False)
                if live.task is not None:
                    live.task.cancel()
                self._recorder.end_later(live)
        tasks += self._recorder.endings
        if tasks:
            await asyncio.wait(tasks, timeout=self.grace + 5)
        if self._steps.providers is not None:  # after the engines that used them
            await self._steps.providers.close()

    # -- the job's life --------------------------------------------------------------

    async def _adopt(self, job_id: str) -> LiveJob | None:
        """A taken job this process did not submit (shared mode): none in one process."""
        return None

    async def _stopped_in_queue(self, live: LiveJob) -> None:
        live.advance(live.job.interrupted(now()), publish=False)
        await self._recorder.end(live)

    async def _execute(self, live: LiveJob) -> None:
        live.advance(live.job.started(now(), WORKER))
        flusher = self._recorder.flushing(live)
        deadline = _Deadline(live, self._time_out)
        deadline.set(self._timeout, "SPAWNIT_JOB_TIMEOUT_SECONDS")
        try:
            outcome = await self._perform(live, deadline)
        finally:
            deadline.cancel()
            await flusher.stop()
            live.disarm()
        killed = live.job.forced and live.job.cancel_requested
        job = live.job.finished(
            now(),
            exit_code=outcome.exit_code,
            error=live.masker(outcome.error) if outcome.error else None,
            succeeded=outcome.succeeded,
            outputs=mask_values(live.masker, outcome.outputs),
            has_changes=outcome.has_changes,
            killed=killed,
        )
        if self._closing and job.state is JobState.CANCELED:
            job = live.job.interrupted(now())
        live.advance(job, publish=False)
        live.log(_closing_line(live.job))
        await self._recorder.end(live)

    async def _perform(self, live: LiveJob, deadline: _Deadline) -> Outcome:
        """The job's engine steps; a failure of SpawnIt's own ends the job FAILED."""
        try:
            await self._recorder.save(live.job)
            workspace = await self._workspaces.workspace(live.job)
            live.masker = Masker(workspace.secrets)
            if workspace.timeout_seconds is not None:
                deadline.set(workspace.timeout_seconds, "the catalog entry's jobTimeoutSeconds")
            return await self._steps.perform(live, workspace)
        except SpawnItError as exc:
            live.log(f"Error: {exc.message}")
            return Outcome(False, None, exc.message)
        except Exception:  # an internal fault: the job fails, the log says no more
            log.exception("job %s failed inside SpawnIt", live.job.id)
            live.log("Error: SpawnIt failed internally while running this job")
            return Outcome(False, None, "internal error")

    def _time_out(self, live: LiveJob, seconds: float, source: str) -> None:
        """No job runs forever: past the timeout it is canceled (SIGINT, then SIGKILL
        past the grace period), and its record and log say why."""
        if live.job.state.final:
            return
        reason = f"timed out: the job ran longer than {seconds:g}s ({source})"
        live.log(f"{reason}: canceling it")
        live.advance(live.job.timed_out(reason))
        live.stop_engine()


class _Deadline:
    """When a running job times out: counted from its start, set again (from that same
    start) once its catalog entry's own limit is known."""

    def __init__(self, live: LiveJob, expire: Callable[[LiveJob, float, str], None]) -> None:
        self._live = live
        self._expire = expire
        self._loop = asyncio.get_running_loop()
        self._start = self._loop.time()
        self._timer: asyncio.TimerHandle | None = None

    def set(self, seconds: float, source: str) -> None:
        self.cancel()
        self._timer = self._loop.call_at(self._start + seconds, self._expire, self._live, seconds, source)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _closing_line(job: Job) -> str:
    if job.state is JobState.SUCCEEDED:
        return "job succeeded"
    if job.state is JobState.CANCELED:
        return "job canceled" + (" (engine killed)" if job.forced else "")
    if job.state is JobState.INTERRUPTED:
        return "job interrupted: SpawnIt stopped"
    return f"job failed: {job.error}"
