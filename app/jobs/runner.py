"""The job runner: one job at a time per service (in order), a cap across services,
cancel (SIGINT, then SIGKILL after a grace period), records and logs in storage.
"""

from __future__ import annotations

import asyncio
import logging

from app.bus import Bus, job_topic, tenant_topic
from app.errors import SpawnItError
from app.events import EventKind, ServiceEvent
from app.jobs.limits import Reservations, Slot
from app.jobs.live import JobEvent, LiveJob
from app.jobs.locks import KeyedLocks
from app.jobs.logs import LogBook
from app.jobs.model import Job, JobState, now
from app.jobs.reaper import reap
from app.jobs.repository import JobRepository
from app.jobs.work import Outcome, Work
from app.jobs.workspace import JobHooks
from app.vault.masker import Masker, mask_values

log = logging.getLogger("spawnit.jobs")


class JobRunner:
    def __init__(
        self,
        repo: JobRepository,
        bus: Bus,
        work: Work,
        hooks: JobHooks,
        *,
        max_parallel: int,
        grace_seconds: float,
        log_flush_seconds: float = 1.0,
        max_parallel_checks: int = 2,
        job_timeout_seconds: float = 3600.0,
    ) -> None:
        self.repo = repo
        self.bus = bus
        self.grace = grace_seconds
        self._timeout = job_timeout_seconds
        self._work = work
        self._hooks = hooks
        # users' jobs and drift checks draw on separate pools: checks never delay a user
        self._slots = asyncio.Semaphore(max_parallel)
        self._check_slots = asyncio.Semaphore(max_parallel_checks)
        self._service_locks = KeyedLocks()
        self._live: dict[str, LiveJob] = {}
        self._reservations = Reservations()
        self._flush_every = log_flush_seconds
        self._closing = False
        self._endings: set[asyncio.Task[None]] = set()  # ends of jobs canceled while queued

    def job_state_changed(self, job: Job, old: JobState | None) -> None:
        """One service event per change of a user's job state (drift checks speak
        through their verdicts only)."""
        if not job.kind.is_users:
            return
        event = ServiceEvent(
            job.tenant, job.service, EventKind.JOB, old.value if old else None, job.state.value, now(), job.id
        )
        self.bus.publish(tenant_topic(job.tenant), event)

    def live(self, job_id: str) -> LiveJob | None:
        return self._live.get(job_id)

    def active_users_jobs(self, tenant: str) -> int:
        """A tenant's queued or running jobs (drift checks are not theirs)."""
        return sum(
            1
            for lj in self._live.values()
            if lj.job.tenant == tenant and not lj.job.state.final and lj.job.kind.is_users
        )

    def active_jobs(self, tenant: str) -> int:
        """A tenant's queued or running jobs, drift checks included."""
        return sum(1 for lj in self._live.values() if lj.job.tenant == tenant and not lj.job.state.final)

    def reserve(self, tenant: str, limit: int, *, check: bool = False) -> Slot:
        """A place for one more job of `tenant` under `limit` (a user's job counts the
        tenant's jobs; a check asked for by the user counts their checks too), held
        until `submit` makes the job live. Raises LimitExceeded."""
        live = self.active_jobs(tenant) if check else self.active_users_jobs(tenant)
        return self._reservations.take(tenant, live, limit, check=check)

    def active_for(self, service: str) -> list[Job]:
        return [lj.job for lj in self._live.values() if lj.job.service == service and not lj.job.state.final]

    async def submit(self, job: Job, slot: Slot | None = None) -> Job:
        live = LiveJob(self, job)
        if job.kind.is_users:
            await self.repo.save(job)  # a user's job is refused when it cannot be recorded
        else:
            try:
                await self.repo.save(job)
            except Exception as exc:  # the check itself will fail, and say so as its verdict
                log.warning("could not store drift check %s: %s", job.id, exc)
        self._live[job.id] = live
        if slot is not None:
            slot.release()  # counted as live from now on, in the same step
        self.bus.publish(job_topic(job.id), JobEvent(job))
        self.job_state_changed(job, None)
        if job.kind.is_users:
            await self._preempt_checks(job)
        live.task = asyncio.create_task(self._run(live), name=f"job-{job.id}")
        return job

    async def _preempt_checks(self, job: Job) -> None:
        """A user's job goes first: drift checks on its service stop at once (they hold
        no state lock and write nothing, so killing them is safe)."""
        for other in list(self._live.values()):
            check = other.job
            if check.service == job.service and check.kind.preemptible and not check.state.final:
                other.log(f"yielding to job {job.id} ({job.kind.value}) asked for by a user")
                await self.cancel(check, force=True)

    async def cancel(self, job: Job, force: bool) -> Job:
        live = self._live.get(job.id)
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
            self._end_later(live)
            return live.job
        live.advance(live.job.cancel_asked(force))
        live.log("cancel requested: " + ("killing the engine" if force else "interrupting the engine (SIGINT)"))
        live.stop_engine()
        return live.job

    def _end_later(self, live: LiveJob) -> None:
        task = asyncio.create_task(self._end(live), name=f"end-{live.job.id}")
        self._endings.add(task)
        task.add_done_callback(self._endings.discard)

    async def wait(self, job_id: str) -> None:
        live = self._live.get(job_id)
        if live is not None:
            await live.ended.wait()

    async def recover(self) -> list[Job]:
        """Jobs a dead process left QUEUED or RUNNING become INTERRUPTED."""
        recovered = []
        for tenant, service, job_id in await self.repo.load_index():
            if job_id in self._live:
                continue
            job = await self.repo.load(tenant, service, job_id)
            if job is None or job.state.final:
                continue
            await reap(job.pid, self.grace)
            job = job.interrupted(now())
            lines = await self.repo.load_log(tenant, service, job_id)
            book = LogBook(lines)
            book.add("job interrupted: the SpawnIt process running it stopped", now())
            await self.repo.save_log(job, book.lines)
            await self.repo.save(job)
            await self._forget(job, await self._hooks.job_ended(job))
            recovered.append(job)
            log.warning("job %s was left %s by a stopped process: INTERRUPTED", job.id, "running")
        return recovered

    async def close(self) -> None:
        """Stop: running engines are interrupted, then killed past the grace period."""
        self._closing = True
        for live in list(self._live.values()):
            if live.job.state is JobState.RUNNING:
                live.advance(live.job.cancel_asked(False))
                live.stop_engine()
        tasks = [lj.task for lj in self._live.values() if lj.task is not None and not lj.task.done()]
        for live in list(self._live.values()):
            if live.job.state is JobState.QUEUED:  # recorded INTERRUPTED here, even if its task never ran
                live.advance(live.job.interrupted(now()), publish=False)
                if live.task is not None:
                    live.task.cancel()
                self._end_later(live)
        tasks += list(self._endings)
        if tasks:
            await asyncio.wait(tasks, timeout=self.grace + 5)

    # -- the job's life --------------------------------------------------------------

    async def _run(self, live: LiveJob) -> None:
        try:
            slots = self._slots if live.job.kind.is_users else self._check_slots
            async with self._service_locks.hold(live.job.service):
                async with slots:
                    if live.job.state.final:
                        return
                    await self._execute(live)
        except asyncio.CancelledError:
            if not live.job.state.final:  # stopped while queued by close()
                live.advance(live.job.interrupted(now()), publish=False)
                await self._end(live)

    async def _execute(self, live: LiveJob) -> None:
        live.advance(live.job.started(now()))
        flusher = asyncio.create_task(self._flush_loop(live))
        deadline = asyncio.get_running_loop().call_later(self._timeout, self._time_out, live)
        outcome: Outcome
        try:
            await self.repo.save(live.job)
            workspace = await self._hooks.workspace(live.job)
            live.masker = Masker(workspace.secrets)
            outcome = await self._work.perform(live, workspace)
        except SpawnItError as exc:
            live.log(f"Error: {exc.message}")
            outcome = Outcome(False, None, exc.message)
        except Exception:  # an internal fault: the job fails, the log says no more
            log.exception("job %s failed inside SpawnIt", live.job.id)
            live.log("Error: SpawnIt failed internally while running this job")
            outcome = Outcome(False, None, "internal error")
        finally:
            deadline.cancel()
            flusher.cancel()
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
        await self._end(live)

    async def _end(self, live: LiveJob) -> None:
        try:
            try:
                await self.repo.save_log(live.job, live.book.lines)
                live.book.flushed = len(live.book.lines)
                await self.repo.save(live.job)
            except Exception as exc:  # storage down: the service still learns how the job ended
                log.error("could not store the end of job %s: %s", live.job.id, exc)
            try:
                await self._forget(live.job, await self._hooks.job_ended(live.job))
            except SpawnItError as exc:
                log.error("could not record what job %s means for its service: %s", live.job.id, exc.message)
            except Exception:
                log.exception("could not record what job %s means for its service", live.job.id)
        finally:
            self.bus.publish(job_topic(live.job.id), JobEvent(live.job))
            live.ended.set()
            # keep the record in memory briefly: late readers find it in storage anyway
            asyncio.get_running_loop().call_later(30, self._live.pop, live.job.id, None)

    def _time_out(self, live: LiveJob) -> None:
        """No job runs forever: past the timeout it is canceled (SIGINT, then SIGKILL
        past the grace period), and its record and log say why."""
        if live.job.state.final:
            return
        reason = f"timed out: the job ran longer than {self._timeout:g}s (SPAWNIT_JOB_TIMEOUT_SECONDS)"
        live.log(f"{reason}: canceling it")
        live.advance(live.job.timed_out(reason))
        live.stop_engine()

    async def _forget(self, job: Job, dropped: tuple[str, ...]) -> None:
        """The jobs of `job`'s service it no longer keeps: out of storage and the index."""
        for job_id in dropped:
            await self.repo.delete(job.tenant, job.service, job_id)

    async def _flush_loop(self, live: LiveJob) -> None:
        while True:
            await asyncio.sleep(self._flush_every)
            if live.book.dirty:
                count = len(live.book.lines)
                try:
                    await self.repo.save_log(live.job, live.book.lines[:count])
                    await self.repo.save(live.job)
                    live.book.flushed = count
                except Exception:
                    log.warning("could not flush the log of job %s", live.job.id)


def _closing_line(job: Job) -> str:
    if job.state is JobState.SUCCEEDED:
        return "job succeeded"
    if job.state is JobState.CANCELED:
        return "job canceled" + (" (engine killed)" if job.forced else "")
    if job.state is JobState.INTERRUPTED:
        return "job interrupted: SpawnIt stopped"
    return f"job failed: {job.error}"
