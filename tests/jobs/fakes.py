"""In-memory stand-ins for the job machinery's unit tests: no engine, no server.

The job runner with the in-memory Protocols (`InMemoryJobQueue`, `InMemoryLocks`,
`InMemoryBus`), a folder store, and engine steps that run until the test lets them end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.bus import InMemoryBus
from app.clock import now
from app.engine.backend import Backend
from app.ids import new_id
from app.jobs.locks import InMemoryLocks
from app.jobs.model import Job, JobKind
from app.jobs.queue import InMemoryJobQueue
from app.jobs.registry import LiveJobs
from app.jobs.repository import JobRepository
from app.jobs.runner import JobRunner
from app.jobs.steps import JobHandle, Outcome
from app.jobs.workspace import Workspace
from app.storage.folder import FolderStore

TENANT = new_id()


def job(service: str, kind: JobKind = JobKind.PLAN, seq: int = 1, tenant: str = TENANT) -> Job:
    return Job(id=new_id(), tenant=tenant, service=service, kind=kind, seq=seq, created_at=now())


class Command:
    """An engine that runs until it is let go, interrupted or killed."""

    pid = 0

    def __init__(self) -> None:
        self.stopped = asyncio.Event()
        self.rc = 0

    async def lines(self):  # type: ignore[no-untyped-def]
        await self.stopped.wait()
        return
        yield ""

    async def stamped(self):  # type: ignore[no-untyped-def]
        await self.stopped.wait()
        return
        yield

    async def wait(self) -> int:
        return self.rc

    def interrupt(self) -> None:
        self.rc = 130
        self.stopped.set()

    def kill(self) -> None:
        self.rc = -9
        self.stopped.set()


class Steps:
    """Engine steps that record which jobs started, and end when the test says so."""

    providers = None  # no provider outlives an engine here

    def __init__(self) -> None:
        self.started: list[str] = []
        self.commands: dict[str, Command] = {}
        self.begun: dict[str, asyncio.Event] = {}

    def began(self, job_id: str) -> asyncio.Event:
        return self.begun.setdefault(job_id, asyncio.Event())

    async def perform(self, handle: JobHandle, ws: Workspace) -> Outcome:
        command = self.commands.setdefault(handle.job.id, Command())
        handle.attach(command)
        self.started.append(handle.job.id)
        self.began(handle.job.id).set()
        await command.stopped.wait()
        handle.attach(None)
        return Outcome(command.rc == 0, command.rc, None if command.rc == 0 else f"exit {command.rc}")

    def finish(self, job_id: str) -> None:
        self.commands.setdefault(job_id, Command()).stopped.set()


class Services:
    """The services domain as the job machinery sees it: a workspace, and the end of job."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ended: list[Job] = []
        self.drop: tuple[str, ...] = ()

    async def workspace(self, job: Job) -> Workspace:
        return Workspace(self.root, self.root, {}, Backend("local", ()))

    async def job_ended(self, job: Job) -> tuple[str, ...]:
        self.ended.append(job)
        return self.drop


def runner(tmp: Path, *, max_parallel: int = 4, checks: int = 2) -> tuple[JobRunner, Steps, Services]:
    steps, services = Steps(), Services(tmp)
    run = JobRunner(
        JobRepository(FolderStore(tmp / "store")),
        InMemoryBus(),
        steps,  # type: ignore[arg-type]
        services,
        services,
        max_parallel=max_parallel,
        grace_seconds=5,
        max_parallel_checks=checks,
        queue=InMemoryJobQueue(),
        locks=InMemoryLocks(),
        live=LiveJobs(),
    )
    return run, steps, services
