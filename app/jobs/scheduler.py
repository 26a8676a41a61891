"""The scheduler: when a queued job runs. Jobs come from the `JobQueue` in the order
they were submitted; one job at a time per service, in that order (the service's lock,
from `Locks`); users' jobs and drift checks draw on separate pools, so checks never
delay a user; a user's job preempts the drift checks of its service."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable

from app.jobs.live import LiveJob
from app.jobs.locks import Locks, holding
from app.jobs.model import Job
from app.jobs.queue import JobQueue
from app.jobs.registry import LiveJobs
from app.logformat import bind_job

log = logging.getLogger("spawnit.jobs")

Step = Callable[[LiveJob], Awaitable[None]]
Adopt = Callable[[str], Awaitable[LiveJob | None]]
LEASE_SECONDS = 60.0  # a service's lock, renewed while its job waits and runs


class _Requeued(Exception):
    """A taken job that could not be taken up here went back to the queue."""


class Scheduler:
    def __init__(
        self,
        live: LiveJobs,
        queue: JobQueue,
        locks: Locks,
        *,
        execute: Step,
        stopped_in_queue: Step,
        max_parallel: int,
        max_parallel_checks: int,
        adopt: Adopt | None = None,
        take_at_most: int | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._live = live
        self._queue = queue
        self._locks = locks
        self._execute = execute  # runs the job: it holds its service and a place in its pool
        self._stopped = stopped_in_queue  # a job whose task was canceled before it ran
        self._slots = asyncio.Semaphore(max_parallel)
        self._check_slots = asyncio.Semaphore(max_parallel_checks)
        self._taker: asyncio.Task[None] | None = None
        self._acks: set[asyncio.Task[None]] = set()
        # shared mode: a job another process submitted becomes live here once taken, and
        # a worker takes no more than it can run (the others take the rest)
        self._adopt = adopt
        self._room = asyncio.Semaphore(take_at_most) if take_at_most is not None else None
        self._lease = lease_seconds

    async def schedule(self, live: LiveJob) -> None:
        """`live` runs once its turn comes, its service and a place in its pool free."""
        await self._queue.submit(live.job.id)
        self.start()

    def start(self) -> None:
        """Take jobs from the queue (from the first `schedule`, or at once on a worker)."""
        if self._taker is None:
            self._taker = asyncio.create_task(self._take(), name="job-scheduler")

    def yielding_to(self, job: Job) -> list[LiveJob]:
        """The live jobs that stop at once for `job`: a user's job preempts the drift
        checks (queued or running) of its service."""
        if not job.kind.is_users:
            return []
        return [
            other
            for other in self._live
            if other.job.service == job.service and other.job.kind.preemptible and not other.job.state.final
        ]

    async def close(self) -> None:
        """Take no more jobs (those still queued are the runner's to record)."""
        if self._taker is not None:
            self._taker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._taker
            self._taker = None

    async def _take(self) -> None:
        while True:
            if self._room is not None:
                await self._room.acquire()
            job_id = await self._queue.take()
            try:
                live = await self._found(job_id)
            except _Requeued:
                continue
            if live is None or live.job.state.final:  # canceled while queued
                await self._queue.ack(job_id)
                self._make_room()
                continue
            live.task = asyncio.create_task(self._run(live), name=f"job-{job_id}")
            # acked once its task is done, whatever the way (even canceled before it began)
            live.task.add_done_callback(functools.partial(self._ack_later, job_id))

    async def _found(self, job_id: str) -> LiveJob | None:
        live = self._live.find(job_id)
        if live is None and self._adopt is not None:
            try:
                live = await self._adopt(job_id)
            except Exception:  # storage unreachable, say: the job stays queued
                log.exception("could not take up job %s: queued again", job_id)
                await asyncio.sleep(1)
                await self._queue.requeue(job_id)
                self._make_room()
                raise _Requeued from None
        return live

    def _make_room(self) -> None:
        if self._room is not None:
            self._room.release()

    def _ack_later(self, job_id: str, _task: asyncio.Task[None]) -> None:
        self._make_room()
        ack = asyncio.get_running_loop().create_task(self._queue.ack(job_id), name=f"ack-{job_id}")
        self._acks.add(ack)
        ack.add_done_callback(self._acks.discard)

    async def _run(self, live: LiveJob) -> None:
        bind_job(live.job)  # every log line of the job's work names it (and the tasks it starts)
        try:
            pool = self._slots if live.job.kind.is_users else self._check_slots
            async with holding(self._locks, live.job.service, self._lease):
                async with pool:
                    if live.job.state.final:
                        return
                    log.info("%s job %s starts", live.job.kind.value, live.job.id)
                    await self._execute(live)
        except asyncio.CancelledError:
            if not live.job.state.final:  # stopped while queued by close()
                await self._stopped(live)
