"""What is known of a service between jobs: drift, health, its history, and the events
that announce a change of any of them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry

from app.drift.model import Change, Drift, Health
from app.engine.json_events import ResourceChange as EngineChange
from app.services.events import ServiceEvent as DomainEvent
from schema.enums import DriftStatus, HealthStatus, ServiceEventKind


@strawberry.type
class ResourceChange:
    address: str
    action: str

    @classmethod
    def all(cls, changes: Iterable[EngineChange]) -> list[ResourceChange]:
        return [cls(address=c.address, action=c.action) for c in changes]


@strawberry.type
class DriftInfo:
    status: DriftStatus
    checked_at: datetime | None
    next_check_at: datetime | None
    since: datetime | None
    resources: list[ResourceChange]
    error: str | None

    @classmethod
    def of(cls, drift: Drift, next_check_at: datetime | None) -> DriftInfo:
        return cls(
            status=drift.status,
            checked_at=drift.checked_at,
            next_check_at=next_check_at,
            since=drift.since,
            resources=ResourceChange.all(drift.resources),
            error=drift.error,
        )


@strawberry.type
class HealthInfo:
    status: HealthStatus
    checked_at: datetime | None
    latency_ms: float | None
    detail: str | None

    @classmethod
    def of(cls, health: Health) -> HealthInfo:
        return cls(
            status=health.status, checked_at=health.checked_at, latency_ms=health.latency_ms, detail=health.detail
        )


@strawberry.type(
    description="One entry of a service's history: a change of drift verdict (DRIFT), "
    "of health (HEALTH), or a secret revealed (SECRET_REVEALED, `new` names the field)."
)
class HistoryEntry:
    kind: str
    old: str | None
    new: str
    at: datetime

    @classmethod
    def of(cls, c: Change) -> HistoryEntry:
        return cls(kind=c.kind, old=c.old, new=c.new, at=c.at)


@strawberry.type
class ServiceEvent:
    service_id: strawberry.ID
    kind: ServiceEventKind
    old: str | None
    new: str
    at: datetime
    job_id: strawberry.ID | None
    resources: list[ResourceChange]

    @classmethod
    def of(cls, e: DomainEvent) -> ServiceEvent:
        return cls(
            service_id=strawberry.ID(e.service_id),
            kind=e.kind,
            old=e.old,
            new=e.new,
            at=e.at,
            job_id=strawberry.ID(e.job_id) if e.job_id else None,
            resources=ResourceChange.all(e.resources),
        )
