"""Listing a tenant's services: a filter (status, catalog entry, a search over names)
applied before the page is cut, and counts by status for a dashboard.

A filter on the stored record (entry, name) needs no status; a status filter and the
counts compute each service's status once (a pure function of its record and the live
jobs, read once for all), and nothing else: no API view is built for a service that is
only counted or filtered out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from app.errors import BadInput
from app.jobs.model import Job
from app.services.model import ServiceInfo, ServiceStatus, status

MAX_SEARCH = 100  # characters of a search


@dataclass(frozen=True)
class ServiceFilter:
    """Which services a listing keeps; an empty filter keeps them all."""

    statuses: frozenset[ServiceStatus] = frozenset()  # empty: any status
    catalog_entry: str | None = None
    search: str | None = None  # a part of the name, whatever its case

    def checked(self, known_entries: Iterable[str]) -> ServiceFilter:
        """The filter as the listing applies it (a search trimmed, a blank one dropped);
        BadInput naming the value at fault. `known_entries`: the catalog's entries and
        those of the services listed (an entry the catalog dropped still filters)."""
        if self.catalog_entry is not None and self.catalog_entry not in set(known_entries):
            shown = str(self.catalog_entry)[:64]
            raise BadInput(f"catalog_entry: no catalog entry {shown!r}", field="catalog_entry")
        search = self.search
        if search is not None:
            if len(search) > MAX_SEARCH:
                raise BadInput(f"search: at most {MAX_SEARCH} characters", field="search")
            if any(ord(c) < 32 for c in search):
                raise BadInput("search: control characters are not allowed", field="search")
            search = search.strip() or None
        return ServiceFilter(frozenset(self.statuses), self.catalog_entry, search)

    def keeps_record(self, info: ServiceInfo) -> bool:
        """Kept by its stored record alone (entry and name)."""
        if self.catalog_entry is not None and info.catalog_entry != self.catalog_entry:
            return False
        return self.search is None or self.search.casefold() in info.name.casefold()


EVERY = ServiceFilter()


@dataclass(frozen=True)
class ServiceCounts:
    total: int
    by_status: Mapping[ServiceStatus, int]  # every status, 0 included, in the enum's order

    def of(self, wanted: ServiceStatus) -> int:
        return self.by_status.get(wanted, 0)


def with_status(
    infos: Sequence[ServiceInfo], active: Mapping[str, Sequence[Job]], wanted: ServiceFilter
) -> list[tuple[ServiceInfo, ServiceStatus | None]]:
    """The services `wanted` keeps, in their order, each with its status when the filter
    needed it (None otherwise: computed later for the page only)."""
    kept = [info for info in infos if wanted.keeps_record(info)]
    if not wanted.statuses:
        return [(info, None) for info in kept]
    pairs = [(info, status(info, active.get(info.id, ()))) for info in kept]
    return [(info, st) for info, st in pairs if st in wanted.statuses]


def count(infos: Sequence[ServiceInfo], active: Mapping[str, Sequence[Job]], wanted: ServiceFilter) -> ServiceCounts:
    """The services `wanted` keeps, counted by status (one status computed per service)."""
    by_status = dict.fromkeys(ServiceStatus, 0)
    for info in infos:
        if wanted.keeps_record(info):
            st = status(info, active.get(info.id, ()))
            if not wanted.statuses or st in wanted.statuses:
                by_status[st] += 1
    return ServiceCounts(sum(by_status.values()), by_status)
