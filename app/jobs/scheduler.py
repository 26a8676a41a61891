"""The scheduler: when a queued job runs. One job at a time per service, in the order
they came (a per-service lock); users' jobs and drift checks draw on separate pools, so
checks never delay a user; a user's job preempts the drift checks of its service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from app.jobs.live import LiveJob
from app.jobs.locks import KeyedLocks
from app.jobs.model import Job
from app.jobs.registry import LiveJobs

Step = Callable[[LiveJob], Awaitable[None]]


class Scheduler:
    def __init__(
        self,
        live: LiveJobs,
        *,
        execute: Step,
        stopped_in_queue: Step,
        max_parallel: int,
        max_parallel_checks: int,
    ) -> None:
        self._live = live
        self._execute = execute  # runs the job: it holds its service and a place in its pool
        self._stopped = stopped_in_queue  # a job whose task was canceled before it ran
        self._slots = asyncio.Semaphore(max_parallel)
        self._check_slots = asyncio.Semaphore(max_parallel_checks)
        self._service_locks = KeyedLocks()

    def schedule(self, live: LiveJob) -> None:
        """`live` runs once its service and a place in its pool are free."""
        live.task = asyncio.create_task(self._run(live), name=f"job-{live.job.id}")

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

    async def _run(self, live: LiveJob) -> None:
        try:
            pool = self._slots if live.job.kind.is_users else self._check_slots
            async with self._service_locks.hold(live.job.service):
                async with pool:
                    if live.job.state.final:
                        return
                    await self._execute(live)
        except asyncio.CancelledError:
            if not live.job.state.final:  # stopped while queued by close()
                await self._stopped(live)
