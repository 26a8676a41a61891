"""The service operations a caller can ask for, each taking the caller's tenant.

Isolation lives here: every read and write is scoped to the tenant, and another
tenant's id answers exactly like an id that does not exist.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from app.catalog.model import Catalog, Host
from app.catalog.render import render
from app.catalog.validate import validate_create, validate_update
from app.clock import now
from app.drift.model import Change
from app.errors import BadInput, Conflict, Forbidden, NotFound
from app.ids import check_id, new_id
from app.jobs.limits import Slot
from app.jobs.locks import RECORD_LEASE_SECONDS, Locks, holding
from app.jobs.model import Job, JobKind, JobState
from app.jobs.queries import JobQueries
from app.jobs.repository import JobRepository
from app.jobs.runner import JobRunner
from app.localtarget.claims import PortClaims
from app.localtarget.policy import local_refusal
from app.services.credentials import TargetCredentials
from app.services.model import (
    HISTORY,
    ServiceInfo,
    state_resources,
)
from app.services.reads import ServiceReads, ServiceView
from app.services.repository import ServiceRepository
from app.services.targets import host_for

MAX_NAME = 100
audit = logging.getLogger("spawnit.audit")


class ServiceManager(ServiceReads):
    def __init__(
        self,
        catalog: Catalog,
        repo: ServiceRepository,
        runner: JobRunner,
        jobs: JobQueries,
        records: JobRepository,
        locks: Locks,
        max_jobs_per_tenant: int = 20,
        *,
        host: Host,
        credentials: TargetCredentials | None = None,
    ) -> None:
        self._credentials = credentials  # a tenant's own cloud credentials make a target ready for it
        self._max_jobs = max_jobs_per_tenant
        self._ports = PortClaims(repo.all, self._render)  # a local service's ports are its own
        self.catalog = catalog
        self._repo = repo
        self._runner = runner
        self._jobs = jobs  # job reads (a plan to apply, a job to cancel)
        self._records = records  # job records: a deleted service's are forgotten
        self._locks = locks
        self.host = host  # what this host can run now (targets, executables)

    async def host_for(self, tenant: str) -> Host:
        """What this host can run now for `tenant` (its own aws credentials count)."""
        return await host_for(self.host, self._credentials, tenant)

    # -- writes ------------------------------------------------------------------------

    async def create(
        self, tenant: str, entry_id: str, target: str, name: str, variables: dict[str, Any]
    ) -> ServiceView:
        try:
            entry = self.catalog.get(entry_id)
        except NotFound:
            raise BadInput(f"catalog_entry: no catalog entry {entry_id!r}", field="catalog_entry") from None
        if (refusal := local_refusal(self.host, target)) is not None:
            raise Forbidden(f"target: 'local' is {refusal}", field="target")
        name = _check_name(name)
        values = validate_create(entry, target, variables, await self.host_for(tenant))
        at = now()
        info = ServiceInfo(
            id=new_id(),
            tenant=tenant,
            name=name,
            catalog_entry=entry.id,
            target=target,
            variables=values,
            created_at=at,
            updated_at=at,
            sensitive=tuple(f.name for f in entry.fields if f.sensitive),
        )
        await self._ports.save(info, self._repo.save)
        return self._view(info)

    async def update(
        self,
        tenant: str,
        service_id: str,
        name: str | None,
        variables: dict[str, Any] | None,
        drift_interval: int | None = None,
    ) -> ServiceView:
        service_id = check_id(service_id)  # before anything keeps it
        async with holding(self._locks, service_id, RECORD_LEASE_SECONDS):
            info = await self._repo.get(tenant, service_id)
            self._repo.check_writable(info)  # a BROKEN one has no entry or variables to update
            entry = self.catalog.get(info.catalog_entry)
            changes: dict[str, Any] = {}
            if name is not None:
                changes["name"] = _check_name(name)
            if variables is not None:
                new_variables = validate_update(entry, info.variables, variables)
                if new_variables != info.variables:
                    changes["variables"] = new_variables
                    changes["variables_rev"] = info.variables_rev + 1
            if drift_interval is not None:
                changes["drift_interval"] = _check_interval(drift_interval)
            if not changes:
                return self._view(info)
            info = info.touched(now(), **changes)
            await self._ports.save(info, self._repo.save)
            return self._view(info)

    async def delete(self, tenant: str, service_id: str, destroy: bool = False) -> ServiceView:
        """Delete a service that holds no resources; with `destroy`, a DESTROY job first
        whose success deletes the service (its view names the job: `delete_after_job`)."""
        if destroy:
            job = await self._submit(tenant, service_id, JobKind.DESTROY, then_delete=True)
            return self._view(await self._repo.get(tenant, job.service))
        service_id = check_id(service_id)  # before anything keeps it
        async with holding(self._locks, service_id, RECORD_LEASE_SECONDS):
            info = await self._repo.get(tenant, service_id)
            await self._runner.look_up([info.id])
            if self._runner.active_for(info.id):
                raise Conflict("a job is queued or running on this service: wait for it or cancel it")
            held = state_resources(await self._repo.state(info))
            if held:
                raise Conflict(f"the service still has {held} resource(s): destroy it first")
            view = self._view(info)
            await self._repo.delete(info)
            self._records.forget_service(info.id)
            return view

    async def plan(self, tenant: str, service_id: str) -> Job:
        return await self._submit(tenant, service_id, JobKind.PLAN)

    async def destroy(self, tenant: str, service_id: str) -> Job:
        return await self._submit(tenant, service_id, JobKind.DESTROY)

    async def apply(self, tenant: str, service_id: str, plan_job_id: str | None = None) -> Job:
        await self._ports.check_apply(await self._repo.get(tenant, check_id(service_id)))
        if plan_job_id is None:
            return await self._submit(tenant, service_id, JobKind.APPLY)
        plan_job_id = check_id(plan_job_id, "plan_job_id")
        return await self._submit(tenant, service_id, JobKind.APPLY, plan_job_id)

    async def reveal_secret(self, tenant: str, service_id: str, field: str) -> str:
        """A sensitive value, shown once to its owner: recorded in the service's history
        and in the server log (the value itself in neither)."""
        service_id = check_id(service_id)  # before anything keeps it
        async with holding(self._locks, service_id, RECORD_LEASE_SECONDS):
            info = await self._repo.get(tenant, service_id)
            if field not in info.sensitive:
                raise BadInput(f"field: '{str(field)[:64]}' is not a secret of this service", field="field")
            at = now()
            await self._repo.save(
                replace(info, history=(*info.history, Change("SECRET_REVEALED", None, field, at))[-HISTORY:])
            )
        audit.warning("secret revealed: tenant=%s service=%s field=%s", tenant, info.id, field)
        return str(info.variables.get(field, ""))

    async def check_drift(self, tenant: str, service_id: str) -> Job:
        """A drift check now (it yields to any job a user asks for meanwhile): one queued
        or running check per service at most, and counted in the tenant's limit."""
        service_id = check_id(service_id)
        async with holding(self._locks, service_id, RECORD_LEASE_SECONDS):
            info = await self._repo.get(tenant, service_id)
            if not (info.applied or info.last_operation == JobKind.DESTROY.value):
                raise Conflict("nothing to check: the service was never applied")
            await self._runner.look_up([info.id])
            for job in self._runner.active_for(info.id):
                if job.kind is JobKind.DRIFT_CHECK:
                    raise Conflict(f"a drift check of this service is already {job.state.value.lower()}: job {job.id}")
            with self._runner.reserve(tenant, self._max_jobs, check=True) as slot:
                return await self.submit_check(info, slot)

    async def submit_check(self, info: ServiceInfo, slot: Slot | None = None) -> Job:
        # a check changes nothing: it takes no place in the service's history of
        # operations (so a saved plan stays applicable) and writes no info.json
        job = Job(
            id=new_id(),
            tenant=info.tenant,
            service=info.id,
            kind=JobKind.DRIFT_CHECK,
            seq=info.job_seq,
            created_at=now(),
        )
        return await self._runner.submit(job, slot)

    async def cancel(self, tenant: str, job_id: str, force: bool) -> Job:
        job = await self._jobs.find(tenant, job_id)
        return await self._runner.cancel(job, force)

    async def _submit(
        self, tenant: str, service_id: str, kind: JobKind, plan_job_id: str | None = None, then_delete: bool = False
    ) -> Job:
        service_id = check_id(service_id)  # before anything keeps it
        async with holding(self._locks, service_id, RECORD_LEASE_SECONDS):
            info = await self._repo.get(tenant, service_id)
            self._check_not_deleting(info)
            if then_delete:
                self._repo.check_writable(info)
            with self._runner.reserve(tenant, self._max_jobs) as slot:  # checked and held at once
                if plan_job_id is not None:
                    await self._check_plan(tenant, info, plan_job_id)
                job = Job(
                    id=new_id(),
                    tenant=tenant,
                    service=info.id,
                    kind=kind,
                    seq=info.job_seq + 1,
                    created_at=now(),
                    plan_job_id=plan_job_id,
                )
                marks = {"delete_after_job": job.id} if then_delete else {}
                await self._repo.save(info.touched(now(), job_seq=job.seq, user_seq=job.seq, **marks))
                return await self._runner.submit(job, slot)

    def _check_not_deleting(self, info: ServiceInfo) -> None:
        pending = info.delete_after_job
        if pending and any(j.id == pending for j in self._runner.active_for(info.id)):
            raise Conflict(f"the service is being destroyed and then deleted: job {pending}")

    async def _check_plan(self, tenant: str, info: ServiceInfo, plan_job_id: str) -> None:
        try:
            plan = await self._jobs.find(tenant, plan_job_id)
        except NotFound:
            raise NotFound(f"plan_job_id: no job with id {plan_job_id}", field="plan_job_id") from None
        if plan.service != info.id or plan.kind is not JobKind.PLAN:
            raise BadInput(f"plan_job_id: job {plan_job_id} is not a plan of this service", field="plan_job_id")
        if plan.state is not JobState.SUCCEEDED:
            raise Conflict(f"plan_job_id: the plan job is {plan.state.value}, only a succeeded plan can be applied")
        if info.user_seq != plan.seq:
            raise Conflict(
                f"plan_job_id: {info.user_seq - plan.seq} job(s) were started on the service since this plan: "
                "plan again (a saved plan is applied once, and only while nothing else ran)"
            )

    def _render(self, info: ServiceInfo) -> dict[str, Any]:
        entry = self.catalog.get(info.catalog_entry)
        builtins = {"service_id": info.id, "service_name": info.name}
        return render(entry, info.target, info.variables, builtins)


MAX_INTERVAL = 7 * 24 * 3600


def _check_interval(seconds: int) -> int:
    if not 0 <= seconds <= MAX_INTERVAL:
        raise BadInput(
            f"drift_interval: seconds between checks, 1 to {MAX_INTERVAL}, or 0 to stop watching",
            field="drift_interval",
        )
    return seconds


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise BadInput("name: must not be empty", field="name")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise BadInput(f"name: at most {MAX_NAME} characters", field="name")
    if any(ord(c) < 32 for c in name):
        raise BadInput("name: control characters are not allowed", field="name")
    return name
