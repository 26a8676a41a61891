"""The API's object types. Nested fields that need a lookup call into `resolvers`."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from schema.enums import (
    DriftStatus,
    FieldType,
    HealthStatus,
    JobKind,
    JobPhase,
    JobState,
    ServiceEventKind,
    ServiceStatus,
)


@strawberry.type
class Me:
    tenant_id: strawberry.ID
    subject: str
    admin: bool


@strawberry.type
class CatalogField:
    name: str
    type: FieldType
    required: bool
    default: JSON | None
    options: list[str] | None
    min: float | None
    max: float | None
    pattern: str | None
    description: str
    sensitive: bool


@strawberry.type
class TargetAvailability:
    target: str
    available: bool
    reason: str | None


@strawberry.type
class CatalogEntry:
    id: strawberry.ID
    name: str
    description: str
    targets: list[str]
    available_targets: list[str]
    target_availability: list[TargetAvailability]
    fields: list[CatalogField]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    end_cursor: str | None
    start_cursor: str | None


@strawberry.type
class Progress:
    done: int
    total: int


@strawberry.type
class ChangeSummary:
    add: int
    change: int
    destroy: int


@strawberry.type
class ResourceChange:
    address: str
    action: str


@strawberry.type
class DriftInfo:
    status: DriftStatus
    checked_at: datetime | None
    next_check_at: datetime | None
    since: datetime | None
    resources: list[ResourceChange]
    error: str | None


@strawberry.type
class HealthInfo:
    status: HealthStatus
    checked_at: datetime | None
    latency_ms: float | None
    detail: str | None


@strawberry.type(
    description="One entry of a service's history: a change of drift verdict (DRIFT), "
    "of health (HEALTH), or a secret revealed (SECRET_REVEALED, `new` names the field)."
)
class HistoryEntry:
    kind: str
    old: str | None
    new: str
    at: datetime


@strawberry.type
class ServiceEvent:
    service_id: strawberry.ID
    kind: ServiceEventKind
    old: str | None
    new: str
    at: datetime
    job_id: strawberry.ID | None
    resources: list[ResourceChange]


@strawberry.type
class LogLine:
    number: int
    text: str
    at: datetime


@strawberry.type
class Job:
    id: strawberry.ID
    kind: JobKind
    state: JobState
    phase: JobPhase | None
    progress: Progress
    summary: ChangeSummary | None
    changes: list[ResourceChange]
    has_changes: bool | None
    exit_code: int | None
    error: str | None
    cancel_requested: bool
    forced: bool
    plan_job_id: strawberry.ID | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    service_id: strawberry.Private[str]

    @strawberry.field
    async def service(self, info: Info) -> Service:
        from resolvers import services

        return await services.service(info, strawberry.ID(self.service_id))

    @strawberry.field
    async def logs(self, info: Info, from_line: int = 0, limit: int | None = 1000) -> list[LogLine]:
        from resolvers import jobs

        return await jobs.logs(info, str(self.id), from_line, limit)


@strawberry.type
class JobEdge:
    node: Job
    cursor: str


@strawberry.type
class JobConnection:
    edges: list[JobEdge]
    page_info: PageInfo


@strawberry.type
class Service:
    id: strawberry.ID
    tenant_id: strawberry.ID
    name: str
    catalog_entry: CatalogEntry
    target: str
    variables: JSON
    status: ServiceStatus
    applied: bool
    pending_changes: bool = strawberry.field(
        description="Deployed, and the variables changed since the last successful apply: apply to bring them in."
    )
    outputs: JSON
    created_at: datetime
    updated_at: datetime
    drift: DriftInfo
    health: HealthInfo
    drift_check_interval: int | None = strawberry.field(
        description="Seconds between drift checks of this service; null: the default; 0: not watched."
    )
    history: list[HistoryEntry] = strawberry.field(
        description="The last changes of verdict, health and secrets revealed."
    )

    @strawberry.field
    async def jobs(self, info: Info, first: int = 20, after: str | None = None) -> JobConnection:
        from resolvers import jobs

        return await jobs.service_jobs(info, str(self.id), first, after)


@strawberry.type
class ServiceEdge:
    node: Service
    cursor: str


@strawberry.type
class ServiceConnection:
    edges: list[ServiceEdge]
    page_info: PageInfo
