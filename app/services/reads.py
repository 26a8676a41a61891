"""The read side of the services: one service, a page of them (filtered before the page
is cut), counts by status. `ServiceManager` is a `ServiceReads` with the writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.auth.tenant import Tenant
from app.catalog.model import Catalog
from app.errors import Forbidden, NotFound
from app.ids import check_id
from app.jobs.model import Job
from app.jobs.runner import JobRunner
from app.pagination import Page, paginate
from app.services.listing import EVERY, ServiceCounts, ServiceFilter, count, with_status
from app.services.model import ServiceInfo, ServiceStatus, status
from app.services.repository import ServiceRepository


@dataclass(frozen=True)
class ServiceView:
    info: ServiceInfo
    status: ServiceStatus


def cursor_key(info: ServiceInfo) -> str:
    """A service's place in a listing (the order of the repository's: creation, then id)."""
    return f"{info.created_at.isoformat()}|{info.id}"


class ServiceReads:
    catalog: Catalog
    _repo: ServiceRepository
    _runner: JobRunner

    async def get(self, tenant: str, service_id: str) -> ServiceView:
        info = await self._repo.get(tenant, check_id(service_id))
        await self._runner.look_up([info.id])
        return self._view(info)

    async def of_job(self, tenant: str, service_id: str) -> ServiceView:
        """A job's service: as `get`, or its last record when the job's end deleted it
        (`deleteService(destroy: true)`), so a client following the job still reads it."""
        try:
            return await self.get(tenant, service_id)
        except NotFound:
            gone = self._repo.deleted(tenant, service_id)
            if gone is None:
                raise
            return self._view(gone)

    async def of_tenant(self, tenant: str) -> list[ServiceView]:
        infos = await self._repo.of_tenant(tenant)
        await self._runner.look_up([info.id for info in infos])
        return [self._view(info) for info in infos]

    async def page_of_tenant(
        self, tenant: str, first: int, after: str | None, wanted: ServiceFilter = EVERY
    ) -> Page[ServiceView]:
        """The tenant's services `wanted` keeps, oldest first: `first` of them after the
        cursor `after` (filtered before the page is cut: the total is the filter's)."""
        return await self._page(await self._repo.of_tenant(tenant), first, after, wanted)

    async def page_all(
        self, admin: Tenant, first: int, after: str | None, wanted: ServiceFilter = EVERY
    ) -> Page[ServiceView]:
        """Every tenant's services, for an administrator (read-only), paged like `page_of_tenant`."""
        if not admin.admin:
            raise Forbidden("this needs the administrator role")
        await self._repo.load_all()
        return await self._page(sorted(self._repo.all(), key=lambda s: (s.created_at, s.id)), first, after, wanted)

    async def counts(self, tenant: str, wanted: ServiceFilter = EVERY) -> ServiceCounts:
        """The tenant's services `wanted` keeps, counted by status (no view built)."""
        infos = await self._repo.of_tenant(tenant)
        await self._runner.look_up([info.id for info in infos])
        return count(infos, self._runner.active_by_service(), self._checked(wanted, infos))

    def _checked(self, wanted: ServiceFilter, infos: list[ServiceInfo]) -> ServiceFilter:
        if wanted == EVERY:
            return wanted
        return wanted.checked([*self.catalog.entries, *(info.catalog_entry for info in infos)])

    async def _page(
        self, infos: list[ServiceInfo], first: int, after: str | None, wanted: ServiceFilter
    ) -> Page[ServiceView]:
        # filtered, then paged over the stored records; a view (status, live jobs) only
        # for the page's (a status filter computed theirs already)
        await self._runner.look_up([info.id for info in infos])  # shared mode: what others run
        active = self._runner.active_by_service()
        kept = with_status(infos, active, self._checked(wanted, infos))
        page = paginate(kept, lambda pair: cursor_key(pair[0]), first, after)
        views = [(self._view(info, active, known), c) for (info, known), c in page.items]
        return Page(views, page.has_next, page.has_previous, page.total)

    def _view(
        self, info: ServiceInfo, active: Mapping[str, list[Job]] | None = None, known: ServiceStatus | None = None
    ) -> ServiceView:
        if known is not None:
            return ServiceView(info, known)
        jobs = active.get(info.id, []) if active is not None else self._runner.active_for(info.id)
        return ServiceView(info, status(info, jobs))
