"""The drift watcher on its own (no engine, no server; its sweep given the time): the
services due are checked up to the cap, a service another job holds is left for the
next sweep, and a checked service is due again one interval later."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from app.clock import now
from app.drift.watcher import DriftWatcher
from app.ids import new_id
from app.jobs.model import Job, JobKind
from app.services.model import ServiceInfo
from app.settings import Settings
from tests.jobs.fakes import TENANT, job

INTERVAL = 60.0


def service(**changes: object) -> ServiceInfo:
    at = now() - timedelta(hours=1)  # applied long ago: due
    fields: dict = dict(
        id=new_id(), tenant=TENANT, name="s", catalog_entry="e", target="local", variables={}, created_at=at
    )
    fields.update({"updated_at": at, "applied": True, **changes})
    return ServiceInfo(**fields)


class Services:
    def __init__(self, infos: list[ServiceInfo]) -> None:
        self.infos = infos

    def all(self) -> list[ServiceInfo]:
        return list(self.infos)


class Jobs:
    """The runner as the watcher sees it: a service's active jobs, and a job's end."""

    def __init__(self) -> None:
        self.busy: dict[str, list[Job]] = {}
        self.ends: dict[str, asyncio.Event] = {}
        self.submitted: list[tuple[str, Job]] = []
        self.arrived = asyncio.Event()

    def active_for(self, service: str) -> list[Job]:
        return self.busy.get(service, [])

    async def wait(self, job_id: str) -> None:
        await self.ends.setdefault(job_id, asyncio.Event()).wait()

    async def submit(self, info: ServiceInfo) -> Job:
        check = job(info.id, JobKind.DRIFT_CHECK)
        self.submitted.append((info.id, check))
        self.arrived.set()
        return check

    async def until(self, count: int) -> None:
        while len(self.submitted) < count:
            self.arrived.clear()
            await self.arrived.wait()

    def end(self, check: Job) -> None:
        self.ends.setdefault(check.id, asyncio.Event()).set()


def watcher(infos: list[ServiceInfo], cap: int = 2) -> tuple[DriftWatcher, Jobs]:
    settings = Settings(drift_interval_seconds=INTERVAL, drift_jitter_seconds=0, drift_max_parallel=cap)
    jobs = Jobs()
    return DriftWatcher(settings, Services(infos), jobs, jobs.submit, random.Random(1)), jobs  # type: ignore[arg-type]


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_due_services_are_checked_up_to_the_cap_then_rescheduled() -> None:
    infos = [service() for _ in range(5)]
    drift, jobs = watcher(infos, cap=2)
    drift._sweep(now())
    await jobs.until(2)
    drift._sweep(now())  # the cap is full: nothing more starts
    await settle()
    assert len(jobs.submitted) == 2
    first, check = jobs.submitted[0]
    before = now()
    jobs.end(check)
    drift._sweep(now())
    while len(jobs.submitted) < 3:  # the ended check made room
        await settle()
        drift._sweep(now())
    assert len(jobs.submitted) == 3 and first not in [s for s, _ in jobs.submitted[2:]]
    checked = next(i for i in infos if i.id == first)
    when = drift.next_check_at(checked)
    assert when is not None and when >= before + timedelta(seconds=INTERVAL)  # due again one interval on
    for _, c in jobs.submitted:
        jobs.end(c)
    await drift.stop()


async def test_a_service_another_job_holds_waits_for_the_next_sweep() -> None:
    held, free = service(), service()
    drift, jobs = watcher([held, free])
    jobs.busy[held.id] = [job(held.id)]
    drift._sweep(now())
    await jobs.until(1)
    await settle()
    assert [s for s, _ in jobs.submitted] == [free.id]
    jobs.busy.clear()
    drift._sweep(now())
    await jobs.until(2)
    assert [s for s, _ in jobs.submitted] == [free.id, held.id]
    for _, c in jobs.submitted:
        jobs.end(c)
    await drift.stop()


async def test_unwatched_services_are_never_checked() -> None:
    never_applied, stopped = service(applied=False), service(drift_interval=0)
    drift, jobs = watcher([never_applied, stopped])
    drift._sweep(now() + timedelta(days=1))
    await settle()
    assert jobs.submitted == []
    assert drift.next_check_at(never_applied) is None and drift.next_check_at(stopped) is None
    await drift.stop()
