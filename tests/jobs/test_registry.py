"""The registry of live jobs: found by id, a service's active jobs, a tenant's active
jobs with or without drift checks, and forgotten a while after the end."""

from __future__ import annotations

import asyncio

from app.bus import InMemoryBus
from app.clock import now
from app.ids import new_id
from app.jobs.live import LiveJob
from app.jobs.model import Job, JobKind, JobState
from app.jobs.registry import LiveJobs
from tests.jobs.fakes import TENANT, job


class Host:
    bus = InMemoryBus()
    grace = 1.0

    def job_state_changed(self, job: Job, old: JobState | None) -> None:
        pass


def live(j: Job) -> LiveJob:
    return LiveJob(Host(), j)


async def test_active_jobs_by_service_and_by_tenant() -> None:
    registry = LiveJobs()
    service, other = new_id(), new_id()
    plan = live(job(service))
    check = live(job(service, JobKind.DRIFT_CHECK))
    ended = live(job(service, seq=2))
    ended.advance(ended.job.canceled_in_queue(now()), publish=False)
    theirs = live(job(other, tenant=new_id()))
    for lj in (plan, check, ended, theirs):
        registry.add(lj)
    assert registry.find(plan.job.id) is plan and registry.find(new_id()) is None
    assert {j.id for j in registry.active_of_service(service)} == {plan.job.id, check.job.id}
    by_service = {s: {j.id for j in jobs} for s, jobs in registry.active_by_service().items()}
    assert by_service == {service: {plan.job.id, check.job.id}, other: {theirs.job.id}}  # in one pass
    assert registry.active_of_tenant(TENANT, users_only=True) == 1  # the check is not the user's
    assert registry.active_of_tenant(TENANT, users_only=False) == 2
    assert len(registry) == 4


async def test_an_ended_job_is_forgotten_after_a_while() -> None:
    registry = LiveJobs(kept_after_end=0)
    lj = live(job(new_id()))
    registry.add(lj)
    registry.ended(lj.job.id)
    assert lj.job.id in registry  # not at once: late readers still find it
    while lj.job.id in registry:
        await asyncio.sleep(0)
    assert len(registry) == 0
