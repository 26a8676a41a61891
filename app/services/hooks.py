"""What the job runner asks of the services domain: a synced work directory before a
job runs, and the service's bookkeeping when a job ends."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from app.engine.backend import backend_for
from app.jobs.model import Job, JobState, now
from app.jobs.workspace import Workspace
from app.services.repository import ServiceRepository
from app.settings import Settings
from app.storage import Store, keys

log = logging.getLogger("spawnit.services")


class ServiceLocks(defaultdict[str, asyncio.Lock]):
    """Short locks around a service's read-modify-write of `info.json`."""

    def __init__(self) -> None:
        super().__init__(asyncio.Lock)


class ServiceJobHooks:
    def __init__(self, settings: Settings, store: Store, repo: ServiceRepository, locks: ServiceLocks) -> None:
        self._settings = settings
        self._store = store
        self._repo = repo
        self._locks = locks

    async def workspace(self, job: Job) -> Workspace:
        info = await self._repo.get(job.tenant, job.service)
        tfvars = await self._repo.tfvars(info)
        settings = self._settings
        return Workspace(
            workdir=settings.workdirs.resolve() / job.tenant / job.service,
            module_dir=settings.modules_dir / info.target / "instance",
            tfvars=tfvars,
            backend=backend_for(settings, job.tenant, job.service),
            env={"SPAWNIT_LOCAL_RUN_DIR": str(settings.run_dir.resolve())},
        )

    async def job_ended(self, job: Job) -> None:
        if job.state is JobState.INTERRUPTED and job.started_at is not None and self._settings.store == "s3":
            # the engine that held the state lock is gone: its lock file must go too
            await self._store.delete(keys.state_lock(job.tenant, job.service))
            log.warning("removed the state lock left by interrupted job %s", job.id)
        async with self._locks[job.service]:
            try:
                info = await self._repo.get(job.tenant, job.service)
            except Exception:
                return  # the service was deleted meanwhile
            await self._repo.save(info.after_job(job, now()))
