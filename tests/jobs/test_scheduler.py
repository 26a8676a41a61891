"""The scheduler on its own (in-memory queue and locks, no engine): jobs of one service
run one at a time in order, the pools cap users' jobs and checks apart, and a user's
job preempts the drift checks of its service, queued or running."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.bus import InMemoryBus
from app.ids import new_id
from app.jobs.live import LiveJob
from app.jobs.locks import InMemoryLocks
from app.jobs.model import Job, JobKind, JobState
from app.jobs.queue import InMemoryJobQueue
from app.jobs.registry import LiveJobs
from app.jobs.scheduler import Scheduler
from tests.jobs.fakes import job, runner


class Host:
    bus = InMemoryBus()
    grace = 1.0

    def job_state_changed(self, job: Job, old: JobState | None) -> None:
        pass


class Pools:
    """A scheduler whose jobs run until the test releases them."""

    def __init__(self, max_parallel: int = 4, checks: int = 2) -> None:
        self.live = LiveJobs()
        self.running: list[str] = []
        self.release: dict[str, asyncio.Event] = {}
        self.changed = asyncio.Event()
        self.queue = InMemoryJobQueue()
        self.scheduler = Scheduler(
            self.live,
            self.queue,
            InMemoryLocks(),
            execute=self._execute,
            stopped_in_queue=self._stopped,
            max_parallel=max_parallel,
            max_parallel_checks=checks,
        )

    async def _execute(self, live: LiveJob) -> None:
        self.running.append(live.job.id)
        self.changed.set()
        await self.release.setdefault(live.job.id, asyncio.Event()).wait()
        self.running.remove(live.job.id)
        self.changed.set()

    async def _stopped(self, live: LiveJob) -> None:
        pass

    async def submit(self, j: Job) -> Job:
        self.live.add(LiveJob(Host(), j))
        await self.scheduler.schedule(self.live.find(j.id))  # type: ignore[arg-type]
        return j

    async def until(self, count: int) -> None:
        """Until `count` jobs run."""
        while len(self.running) != count:
            self.changed.clear()
            await self.changed.wait()

    def done(self, j: Job) -> None:
        self.release.setdefault(j.id, asyncio.Event()).set()

    async def close(self) -> None:
        await settle()
        assert (self.queue.queued, self.queue.pending) == (0, 0)  # every job taken was acked
        await self.scheduler.close()


async def settle() -> None:
    """Every task that can move has moved (the scheduler's taker included)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_services_jobs_run_one_at_a_time_in_order() -> None:
    pools = Pools()
    service = new_id()
    jobs = [await pools.submit(job(service, seq=n)) for n in range(3)]
    order = []
    for j in jobs:
        await pools.until(1)
        await settle()
        assert pools.running == [j.id]  # the next waits for this one
        order.append(pools.running[0])
        pools.done(j)
    await pools.until(0)
    assert order == [j.id for j in jobs]
    await pools.close()


async def test_the_pools_cap_users_jobs_and_checks_apart() -> None:
    pools = Pools(max_parallel=2, checks=1)
    users = [await pools.submit(job(new_id())) for _ in range(3)]
    await pools.until(2)
    await settle()
    assert pools.running == [users[0].id, users[1].id]  # the third waits for a place
    check = await pools.submit(job(new_id(), JobKind.DRIFT_CHECK))
    await pools.until(3)  # a check never waits for users' jobs
    assert check.id in pools.running
    second_check = await pools.submit(job(new_id(), JobKind.DRIFT_CHECK))
    pools.done(users[0])
    await pools.until(3)
    await settle()
    assert users[2].id in pools.running and second_check.id not in pools.running  # one check at a time
    for j in (*users, check, second_check):
        pools.done(j)
    await pools.until(0)
    await pools.close()


async def test_a_job_canceled_before_its_task_began_is_acked() -> None:
    pools = Pools()
    held = await pools.submit(job(new_id()))
    await pools.until(1)
    queued = await pools.submit(job(held.service, seq=2))
    while pools.live.find(queued.id).task is None:  # type: ignore[union-attr]
        await asyncio.sleep(0)
    pools.live.find(queued.id).task.cancel()  # type: ignore[union-attr]  # before its first step
    pools.done(held)
    await pools.until(0)
    await pools.close()


async def test_a_users_job_yields_only_the_checks_of_its_service() -> None:
    pools = Pools()
    service, other = new_id(), new_id()
    check = await pools.submit(job(service, JobKind.DRIFT_CHECK))
    elsewhere = await pools.submit(job(other, JobKind.DRIFT_CHECK))
    plan = job(service)
    assert [lj.job.id for lj in pools.scheduler.yielding_to(plan)] == [check.id]
    assert pools.scheduler.yielding_to(job(service, JobKind.DRIFT_CHECK)) == []  # a check preempts nothing
    for j in (check, elsewhere):
        pools.done(j)
    await pools.until(0)
    await pools.close()


async def test_a_users_job_preempts_a_running_and_a_queued_check(tmp_path: Path) -> None:
    jobs, steps, services = runner(tmp_path)
    service = new_id()
    running = await jobs.submit(job(service, JobKind.DRIFT_CHECK))
    await steps.began(running.id).wait()
    queued = await jobs.submit(job(service, JobKind.DRIFT_CHECK))  # behind the first, on the service's lock
    plan = await jobs.submit(job(service, seq=2))
    await steps.began(plan.id).wait()  # the plan runs: the checks gave way at once
    for j in (running, queued):
        await jobs.wait(j.id)
        assert jobs.live.find(j.id).job.state is JobState.CANCELED  # type: ignore[union-attr]
    assert jobs.live.find(running.id).job.forced  # type: ignore[union-attr]  # the engine was killed
    assert steps.started == [running.id, plan.id]  # the queued check never ran
    assert queued.id in [j.id for j in services.ended]
    steps.finish(plan.id)
    await jobs.wait(plan.id)
    assert jobs.live.find(plan.id).job.state is JobState.SUCCEEDED  # type: ignore[union-attr]
    await jobs.close()
