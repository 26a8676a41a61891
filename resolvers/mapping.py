"""Domain objects to API types. Sensitive values leave masked."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from app.catalog.model import Catalog, Entry, Host
from app.catalog.validate import (
    MASK,  # one spelling of a masked value
    mask,
)
from app.events import ServiceEvent as DomainEvent
from app.jobs.logs import LogLine as DomainLine
from app.jobs.model import Job as DomainJob
from app.services.manager import ServiceView
from schema import types
from schema.enums import field_type


def entry(e: Entry, host: Host) -> types.CatalogEntry:
    available = e.available_targets(host)
    return types.CatalogEntry(
        id=strawberry.ID(e.id),
        name=e.name,
        description=e.description,
        targets=list(e.targets),
        available_targets=available,
        target_availability=[
            types.TargetAvailability(target=t, available=t in available, reason=e.unavailable_reason(t, host))
            for t in e.targets
        ],
        fields=[
            types.CatalogField(
                name=f.name,
                type=field_type(f.type),
                required=f.required,
                default=cast(JSON, MASK if f.sensitive else f.default),
                options=list(f.options) or None,
                min=f.min,
                max=f.max,
                pattern=f.pattern,
                description=f.description,
                sensitive=f.sensitive,
            )
            for f in e.fields
        ],
    )


def outputs(raw: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {name: MASK if o.get("sensitive") else o.get("value") for name, o in raw.items()}


def service(view: ServiceView, catalog: Catalog, host: Host, next_check_at: datetime | None = None) -> types.Service:
    info = view.info
    e = catalog.get(info.catalog_entry)
    drift, health = info.drift, info.health
    return types.Service(
        id=strawberry.ID(info.id),
        tenant_id=strawberry.ID(info.tenant),
        name=info.name,
        catalog_entry=entry(e, host),
        target=info.target,
        variables=cast(JSON, mask(e, info.variables)),
        status=view.status,
        applied=info.applied,
        pending_changes=info.pending_changes,
        outputs=cast(JSON, outputs(info.outputs)),
        created_at=info.created_at,
        updated_at=info.updated_at,
        drift=types.DriftInfo(
            status=drift.status,
            checked_at=drift.checked_at,
            next_check_at=next_check_at,
            since=drift.since,
            resources=[types.ResourceChange(address=r.address, action=r.action) for r in drift.resources],
            error=drift.error,
        ),
        health=types.HealthInfo(
            status=health.status, checked_at=health.checked_at, latency_ms=health.latency_ms, detail=health.detail
        ),
        drift_check_interval=info.drift_interval,
        history=[types.HistoryEntry(kind=c.kind, old=c.old, new=c.new, at=c.at) for c in info.history],
    )


def event(e: DomainEvent) -> types.ServiceEvent:
    return types.ServiceEvent(
        service_id=strawberry.ID(e.service_id),
        kind=e.kind,
        old=e.old,
        new=e.new,
        at=e.at,
        job_id=strawberry.ID(e.job_id) if e.job_id else None,
        resources=[types.ResourceChange(address=r.address, action=r.action) for r in e.resources],
    )


def job(j: DomainJob) -> types.Job:
    summary = j.summary
    return types.Job(
        id=strawberry.ID(j.id),
        kind=j.kind,
        state=j.state,
        phase=j.phase,
        progress=types.Progress(done=j.done, total=j.total),
        summary=types.ChangeSummary(add=summary.add, change=summary.change, destroy=summary.destroy)
        if summary
        else None,
        changes=[types.ResourceChange(address=c.address, action=c.action) for c in j.changes],
        has_changes=j.has_changes,
        exit_code=j.exit_code,
        error=j.error,
        cancel_requested=j.cancel_requested,
        forced=j.forced,
        plan_job_id=strawberry.ID(j.plan_job_id) if j.plan_job_id else None,
        created_at=j.created_at,
        started_at=j.started_at,
        finished_at=j.finished_at,
        service_id=j.service,
    )


def line(l: DomainLine) -> types.LogLine:
    return types.LogLine(number=l.number, text=l.text, at=l.at)


def page_info(page: Any) -> types.PageInfo:
    return types.PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        end_cursor=page.items[-1][1] if page.items else None,
        start_cursor=page.items[0][1] if page.items else None,
    )
