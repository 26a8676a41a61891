"""Shared mode's job parts, built by the composition root when `Settings.shared`: the locks
of services' records (any replica) and of their jobs (workers), the Redis job queue, the
cancel channel, and the job runner on top of them. Kept out of app/main.py so its wiring
stays a few lines. Which role runs what: `runs_jobs`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from app.drift.watcher import DriftWatcher, SubmitCheck
from app.ids import check_id
from app.jobs.locks import InMemoryLocks, Locks
from app.jobs.queue import InMemoryJobQueue
from app.jobs.runner import WORKER, JobRunner
from app.services.repository import ServiceRepository
from app.settings import Settings
from app.shared.control import CancelControl
from app.shared.drift import SharedDriftWatcher
from app.shared.locks import RedisLocks
from app.shared.queue import RedisJobQueue
from app.shared.runner import SharedJobRunner
from app.shared.schedule import SharedDriftSchedule


def runs_jobs(settings: Settings) -> bool:
    """Engines and drift checks run here (every role but `api`)."""
    return settings.role != "api"


@dataclass
class SharedJobs:
    record_locks: RedisLocks  # a service's record: short read-modify-writes, any replica
    service_locks: RedisLocks  # a service's job, one at a time (a worker's: patient)
    queue: RedisJobQueue
    control: CancelControl
    schedule: SharedDriftSchedule


def shared_jobs(settings: Settings, redis: aioredis.Redis | None) -> SharedJobs | None:
    if not settings.shared or redis is None:
        return None
    return SharedJobs(
        # a worker waits through a Redis outage to record a job's end; an API call fails at once
        record_locks=RedisLocks(redis, "record", check_id, patient=settings.role == "worker"),
        service_locks=RedisLocks(redis, "service", check_id, patient=True),
        queue=RedisJobQueue(redis, WORKER, settings.worker_lease_seconds),
        control=CancelControl(redis),
        schedule=SharedDriftSchedule(redis),
    )


def record_locks(shared: SharedJobs | None) -> Locks:
    return shared.record_locks if shared is not None else InMemoryLocks(check_id)


def job_runner(settings: Settings, shared: SharedJobs | None, *args: Any, **kwargs: Any) -> JobRunner:
    """The runner of this process: one process's, or shared mode's (the Redis seams; a
    worker takes only as many jobs at once as it runs users' jobs, and a dead worker's service lock
    runs out with its lease)."""
    if shared is None:
        return JobRunner(*args, queue=InMemoryJobQueue(), locks=InMemoryLocks(), **kwargs)
    return SharedJobRunner(
        *args,
        queue=shared.queue,
        control=shared.control,
        locks=shared.service_locks,
        take_at_most=settings.max_parallel_jobs,
        service_lease_seconds=settings.worker_lease_seconds,
        **kwargs,
    )


def drift_watcher(
    settings: Settings,
    shared: SharedJobs | None,
    repo: ServiceRepository,
    runner: JobRunner,
    submit_check: SubmitCheck,
) -> DriftWatcher:
    """One process's watcher, or a worker's on the shared schedule (a claimed service's
    check must end within the job timeout, else it comes due again)."""
    if shared is None:
        return DriftWatcher(settings, repo, runner, submit_check)
    hold = settings.job_timeout_seconds + 60
    return SharedDriftWatcher(settings, repo, runner, submit_check, schedule=shared.schedule, hold_seconds=hold)


def start_jobs(settings: Settings, runner: JobRunner) -> None:
    """A worker (or a shared `all`) takes jobs from the queue from the start."""
    if isinstance(runner, SharedJobRunner) and runs_jobs(settings):
        runner.start()
