"""What the job runner asks of the services domain: a synced work directory before a
job runs, and the service's bookkeeping when a job ends (operation, drift verdict,
health, and one service event per change)."""

from __future__ import annotations

import json
import logging
import os
import pwd
import socket
from datetime import datetime, timedelta
from typing import Any

from app.bus import Bus, tenant_topic
from app.catalog.model import Catalog
from app.catalog.render import secret_values
from app.clock import now
from app.drift.model import Health, HealthStatus, verdict
from app.drift.probe import probe
from app.engine.backend import backend_for
from app.errors import NotFound
from app.events import EventKind, ServiceEvent
from app.ids import check_id
from app.jobs.locks import KeyedLocks
from app.jobs.model import Job, JobKind, JobState
from app.jobs.workspace import Workspace
from app.localtarget.sandbox import sandbox_problem
from app.services.model import ServiceInfo
from app.services.repository import ServiceRepository
from app.settings import Settings
from app.storage import Store, keys

log = logging.getLogger("spawnit.services")


class ServiceLocks(KeyedLocks):
    """Short locks around a service's read-modify-write of `info.json`, by checked
    service id, kept only while held or awaited."""

    def __init__(self) -> None:
        super().__init__(check_id)


class ServiceJobHooks:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        repo: ServiceRepository,
        locks: ServiceLocks,
        bus: Bus,
        catalog: Catalog,
    ) -> None:
        self._catalog = catalog
        self._settings = settings
        self._store = store
        self._repo = repo
        self._locks = locks
        self._bus = bus
        # job id -> the variables_rev its work directory was laid out with (live jobs only)
        self._ran_with: dict[str, int] = {}

    async def workspace(self, job: Job) -> Workspace:
        info = await self._repo.get(job.tenant, job.service)
        tfvars = await self._repo.tfvars(info)
        settings = self._settings
        secrets = secret_values(self._catalog.get(info.catalog_entry), info.variables)
        self._ran_with[job.id] = info.variables_rev
        return Workspace(
            workdir=settings.workdirs.resolve() / job.tenant / job.service,
            module_dir=settings.modules_dir / info.target / "instance",
            tfvars=tfvars,
            backend=backend_for(settings, job.tenant, job.service),
            env={
                "SPAWNIT_LOCAL_RUN_DIR": str(settings.run_dir.resolve()),
                # every local service in the bubblewrap sandbox, SpawnIt's data folder hidden
                "SPAWNIT_LOCAL_SANDBOX": "none" if sandbox_problem() else "bwrap",
                "SPAWNIT_LOCAL_PRIVATE": str(settings.data_dir.resolve()),
                # secrets reach the engine here, never through a file: an HCL object
                # whose strings are literal (no interpolation)
                "TF_VAR_secrets": json.dumps(secrets).replace("${", "$${").replace("%{", "%%{"),
            },
            applied=info.applied,
            secrets=tuple(v for v in secrets.values() if v),
        )

    async def job_ended(self, job: Job) -> tuple[str, ...]:
        ran_with = self._ran_with.pop(job.id, None)
        if _may_have_left_a_lock(job) and self._settings.store == "s3":
            await self._release_state_lock(job)
        try:
            info = await self._repo.get(job.tenant, job.service)
        except NotFound:
            return ()  # the service was deleted meanwhile
        at = now()
        health = await self._health_after(info, job)
        async with self._locks.hold(job.service):
            try:
                old = await self._repo.get(job.tenant, job.service)
            except NotFound:
                return ()
            new = old.after_job(job, at, ran_with)
            new = new.with_verdicts(at, verdict(new.drift, job, at), health)
            dropped: tuple[str, ...] = ()
            if not job.kind.is_users:
                new, dropped = new.keeping_check(job.id)
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

    async def _health_after(self, info: ServiceInfo, job: Job) -> Health | None:
        if job.state is not JobState.SUCCEEDED and job.kind.is_users:
            return None
        if job.kind is JobKind.DESTROY:
            return Health(HealthStatus.UNKNOWN, now(), None, "destroyed")
        if job.kind is JobKind.APPLY:
            return await self._probe_endpoint(job.outputs or {})
        if job.kind is JobKind.DRIFT_CHECK and job.state in (JobState.SUCCEEDED, JobState.FAILED):
            return await self._probe(info)
        return None

    async def _probe(self, info: ServiceInfo) -> Health | None:
        if not info.applied:
            return None
        return await self._probe_endpoint(info.outputs)

    async def _probe_endpoint(self, outputs: dict[str, dict[str, Any]]) -> Health:
        endpoint, pid = ((outputs.get(name) or {}).get("value") for name in ("endpoint", "pid"))
        result = await probe(endpoint, self._settings.health_timeout_seconds, owner=pid)
        return Health(result.status, now(), result.latency_ms, result.detail)

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
