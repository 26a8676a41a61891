"""The bookkeeping of a job's end, for its service: operation, drift verdict, health,
the checks it keeps, a state lock left behind, and one service event per change."""

from __future__ import annotations

import json
import logging
import os
import pwd
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from app import metrics
from app.bus import Bus, tenant_topic
from app.clock import now
from app.drift.model import verdict
from app.engine.backend import backend_for
from app.errors import NotFound
from app.jobs.locks import RECORD_LEASE_SECONDS, Locks, holding
from app.jobs.model import Job, JobState
from app.services.events import EventKind, ServiceEvent
from app.services.health import HealthCheck
from app.services.model import ServiceInfo
from app.services.repository import ServiceRepository
from app.services.workspaces import WorkspaceBuilder
from app.settings import Settings
from app.storage import Store, keys

log = logging.getLogger("spawnit.services")


class JobBookkeeping:
    """What an ended job means for its service: its last operation, drift verdict and
    health, the old checks it no longer keeps, a state lock a killed engine left, and
    one service event per change."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        repo: ServiceRepository,
        locks: Locks,
        bus: Bus,
        workspaces: WorkspaceBuilder,
        health: HealthCheck,
        forget_service: Callable[[str], None] = lambda service_id: None,
    ) -> None:
        self._forget_service = forget_service  # a deleted service's job records
        self._settings = settings
        self._store = store
        self._repo = repo
        self._locks = locks
        self._bus = bus
        self._workspaces = workspaces
        self._health = health

    async def job_ended(self, job: Job) -> tuple[str, ...]:
        ran_with = self._workspaces.laid_out_with(job.id)
        if _may_have_left_a_lock(job) and backend_for(self._settings, job.tenant, job.service).has_lock_files:
            await self._release_state_lock(job)
        try:
            info = await self._repo.get(job.tenant, job.service)
        except NotFound:
            return ()  # the service was deleted meanwhile
        at = now()
        health = await self._health.after(info, job)
        async with holding(self._locks, job.service, RECORD_LEASE_SECONDS):
            try:
                old = await self._repo.get(job.tenant, job.service)
            except NotFound:
                return ()
            new = old.after_job(job, at, ran_with)
            if old.delete_after_job is not None and old.delete_after_job == job.id:
                if job.state is JobState.SUCCEEDED:  # deleteService(destroy: true): destroyed, now deleted
                    await self._repo.delete(new)
                    self._forget_service(new.id)
                    log.info("service %s destroyed by job %s and deleted", new.id, job.id)
                    return ()
                new = replace(new, delete_after_job=None)  # not destroyed: the service stays
            new = new.with_verdicts(at, verdict(new.drift, job, at), health)
            dropped: tuple[str, ...] = ()
            if not job.kind.is_users:
                new, dropped = new.keeping_check(job.id)
                metrics.drift_verdict(new.drift.status.value)
            self._announce(old, new, at, job)
            await self._repo.save(new, remember=True)
        return dropped  # the job runner deletes their records and forgets them

    async def _release_state_lock(self, job: Job) -> None:
        """The engine of `job` was killed (or its process died) while it may have held
        the state lock: the lock file it left goes, so the next job does not wait out
        `-lock-timeout`. Only a lock this job's engine took: made by this user on this
        host after the job started (one job at a time per service, so it is ours)."""
        key = keys.state_lock(job.tenant, job.service)
        raw = await self._store.get(key)
        if raw is None:
            return
        if not _lock_of(raw, job):
            log.warning("state lock of service %s is not job %s's: left in place", job.service, job.id)
            return
        await self._store.delete(key)
        log.warning("removed the state lock left by %s job %s", job.state.value.lower(), job.id)

    def _announce(self, old: ServiceInfo, new: ServiceInfo, at, job: Job | None) -> None:  # type: ignore[no-untyped-def]
        job_id = job.id if job else None
        events = []
        if new.drift.status is not old.drift.status:
            events.append(
                ServiceEvent(
                    new.tenant,
                    new.id,
                    EventKind.DRIFT,
                    old.drift.status.value,
                    new.drift.status.value,
                    at,
                    job_id,
                    new.drift.resources,
                )
            )
        if new.health.status is not old.health.status:
            events.append(
                ServiceEvent(
                    new.tenant, new.id, EventKind.HEALTH, old.health.status.value, new.health.status.value, at, job_id
                )
            )
        for event in events:
            self._bus.publish(tenant_topic(new.tenant), event)


def _may_have_left_a_lock(job: Job) -> bool:
    """A job whose engine took the state lock and did not stop cleanly: killed, or its
    SpawnIt process died. Drift checks plan with `-lock=false`."""
    if not job.kind.holds_state_lock or job.started_at is None:
        return False
    return job.state is JobState.INTERRUPTED or job.forced


def _lock_of(raw: bytes, job: Job) -> bool:
    """Whether a lock file's info says the engine of `job` wrote it."""
    try:
        info = json.loads(raw)
        created = datetime.fromisoformat(str(info["Created"]))
    except (ValueError, KeyError, TypeError):
        return False
    if job.started_at is None or created < job.started_at - timedelta(seconds=5):
        return False
    return str(info.get("Who", "")) == f"{pwd.getpwuid(os.getuid()).pw_name}@{socket.gethostname()}"
