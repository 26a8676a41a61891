"""The API's services, jobs and log lines, each built from its domain object by `of`.

A nested field that needs a lookup (a job's service, a job's log, a service's jobs) calls
the domain through the context: the types never call into `resolvers`. Sensitive values
leave masked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.catalog.model import Entry
from app.catalog.validate import MASK, mask
from app.jobs.logs import LogLine as DomainLine
from app.jobs.model import Job as DomainJob
from app.pagination import Page, paginate
from app.services.reads import ServiceView
from schema.catalog import CatalogEntry, ConnectionDetail
from schema.context import Context, of
from schema.enums import JobKind, JobPhase, JobState, ServiceStatus
from schema.graph import ServiceGraph
from schema.verdicts import DriftInfo, HealthInfo, HistoryEntry, ResourceChange


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    end_cursor: str | None
    start_cursor: str | None

    @classmethod
    def of(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            end_cursor=page.items[-1][1] if page.items else None,
            start_cursor=page.items[0][1] if page.items else None,
        )


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
class LogLine:
    number: int
    text: str
    at: datetime

    @classmethod
    def of(cls, line: DomainLine) -> LogLine:
        return cls(number=line.number, text=line.text, at=line.at)


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
    worker: str | None = strawberry.field(description="the worker process that ran the job: host and pid")
    service_id: strawberry.Private[str]

    @classmethod
    def of(cls, j: DomainJob) -> Job:
        s = j.summary
        return cls(
            id=strawberry.ID(j.id),
            kind=j.kind,
            state=j.state,
            phase=j.phase,
            progress=Progress(done=j.done, total=j.total),
            summary=ChangeSummary(add=s.add, change=s.change, destroy=s.destroy) if s else None,
            changes=ResourceChange.all(j.changes),
            has_changes=j.has_changes,
            exit_code=j.exit_code,
            error=j.error,
            cancel_requested=j.cancel_requested,
            forced=j.forced,
            plan_job_id=strawberry.ID(j.plan_job_id) if j.plan_job_id else None,
            created_at=j.created_at,
            started_at=j.started_at,
            finished_at=j.finished_at,
            worker=j.worker,
            service_id=j.service,
        )

    @strawberry.field
    async def service(self, info: Info) -> Service:
        ctx = of(info)
        return Service.of(await ctx.app.services.of_job(ctx.tenant.id, self.service_id), ctx)

    @strawberry.field
    async def logs(self, info: Info, from_line: int = 0, limit: int | None = 1000) -> list[LogLine]:
        ctx = of(info)
        lines = await ctx.app.jobs.log(ctx.tenant.id, str(self.id), from_line, limit)
        return [LogLine.of(line) for line in lines]


@strawberry.type
class JobEdge:
    node: Job
    cursor: str


@strawberry.type
class JobConnection:
    edges: list[JobEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="The jobs paged over, on every page.")


async def service_graph(root: Service, info: Info) -> ServiceGraph:
    ctx = of(info)
    view = await ctx.app.services.get(ctx.tenant.id, str(root.id))  # the record as it is now
    return ServiceGraph.of(await ctx.app.graphs.of(view.info))


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
    connection: list[ConnectionDetail] = strawberry.field(
        description="What reaches the running service (URL, host:port, a connection string with the "
        "password masked), from its entry's outputs; empty until it has an endpoint."
    )
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
    graph: ServiceGraph = strawberry.field(
        resolver=service_graph,
        description="The engine's own graph of the service with what its state holds: drawn on demand, "
        "drawn anew once a job on the service ended (while one runs, the graph drawn before it).",
    )
    deletion_job_id: strawberry.Private[str | None] = None

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The DESTROY job of `deleteService(id, destroy: true)`: the service is deleted once it "
        "succeeds (its jobs with it); null when no deletion is under way."
    )
    async def deletion(self, info: Info) -> Job | None:
        if self.deletion_job_id is None:
            return None
        ctx = of(info)
        job = next(
            (j for j in await ctx.app.jobs.of_service(ctx.tenant.id, str(self.id)) if j.id == self.deletion_job_id),
            None,
        )
        return Job.of(job) if job is not None and not job.state.final else None

    @classmethod
    def of(cls, view: ServiceView, ctx: Context) -> Service:
        info, app = view.info, ctx.app
        # a BROKEN service's record may not say its entry (nor may one the catalog dropped)
        entry = app.catalog.entries.get(info.catalog_entry) or _unknown_entry(info.catalog_entry)
        outputs = {name: MASK if o.get("sensitive") else o.get("value") for name, o in info.outputs.items()}
        shown = {k: MASK if k in info.sensitive else v for k, v in mask(entry, info.variables).items()}
        builtins = {"service_id": info.id, "service_name": info.name}
        return cls(
            id=strawberry.ID(info.id),
            tenant_id=strawberry.ID(info.tenant),
            name=info.name,
            catalog_entry=CatalogEntry.of(entry, app.services.host),
            target=info.target,
            variables=cast(JSON, shown),
            status=view.status,
            applied=info.applied,
            pending_changes=info.pending_changes,
            outputs=cast(JSON, outputs),
            connection=ConnectionDetail.of_service(entry, shown, builtins, outputs),
            created_at=info.created_at,
            updated_at=info.updated_at,
            drift=DriftInfo.of(info.drift, app.drift.next_check_at(info)),
            health=HealthInfo.of(info.health),
            drift_check_interval=info.drift_interval,
            history=[HistoryEntry.of(c) for c in info.history],
            deletion_job_id=info.delete_after_job,
        )

    @strawberry.field
    async def jobs(self, info: Info, first: int = 20, after: str | None = None) -> JobConnection:
        ctx = of(info)
        jobs = await ctx.app.jobs.of_service(ctx.tenant.id, str(self.id))
        page = paginate(jobs, lambda j: f"{j.seq:012d}|{j.created_at.isoformat()}|{j.id}", first, after)
        return JobConnection(
            edges=[JobEdge(node=Job.of(j), cursor=c) for j, c in page.items],
            page_info=PageInfo.of(page),
            total_count=page.total,
        )


def _unknown_entry(entry_id: str) -> Entry:
    return Entry(entry_id or "unknown", entry_id or "unknown", "not in this SpawnIt's catalog", (), {})


@strawberry.type
class ServiceEdge:
    node: Service
    cursor: str


@strawberry.type
class ServiceConnection:
    edges: list[ServiceEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="The services the filter keeps, on every page.")

    @classmethod
    def of(cls, page: Page[ServiceView], ctx: Context) -> ServiceConnection:
        return cls(
            edges=[ServiceEdge(node=Service.of(v, ctx), cursor=c) for v, c in page.items],
            page_info=PageInfo.of(page),
            total_count=page.total,
        )
