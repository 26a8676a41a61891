"""The listing's filter and counts as pure functions: a live job's service counts as in
progress, statuses come from the record and the live jobs read once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.clock import now
from app.errors import BadInput
from app.ids import new_id
from app.jobs.model import Job, JobKind
from app.services.listing import EVERY, ServiceFilter, count, with_status
from app.services.model import ServiceInfo, ServiceStatus
from schema.listing import ServiceCounts

T0 = datetime(2030, 1, 1, tzinfo=UTC)
TENANT = new_id()


def info(name: str, **changes: object) -> ServiceInfo:
    return ServiceInfo(new_id(), TENANT, name, "static-site", "local", {}, T0, T0, **changes)  # type: ignore[arg-type]


def running(service: ServiceInfo, kind: JobKind) -> Job:
    return Job(new_id(), TENANT, service.id, kind, 1, now()).started(now())


def test_live_jobs_count_in_progress_and_the_rest_by_record() -> None:
    draft, deployed, deploying, destroying = info("a"), info("b", applied=True), info("c"), info("d", applied=True)
    active = {deploying.id: [running(deploying, JobKind.APPLY)], destroying.id: [running(destroying, JobKind.DESTROY)]}
    counts = count([draft, deployed, deploying, destroying], active, EVERY)
    assert counts.total == 4
    assert {s: n for s, n in counts.by_status.items() if n} == {
        ServiceStatus.DRAFT: 1,
        ServiceStatus.DEPLOYED: 1,
        ServiceStatus.DEPLOYING: 1,
        ServiceStatus.DESTROYING: 1,
    }
    api = ServiceCounts.of(counts)
    assert (api.total, api.deployed, api.in_progress, api.drifted, api.failed) == (4, 1, 2, 0, 0)
    assert [c.status for c in api.by_status] == list(ServiceStatus)  # every status, in order

    wanted = ServiceFilter(frozenset({ServiceStatus.DEPLOYING, ServiceStatus.DRAFT}))
    assert [(i.name, s) for i, s in with_status([draft, deployed, deploying], active, wanted)] == [
        ("a", ServiceStatus.DRAFT),
        ("c", ServiceStatus.DEPLOYING),
    ]
    assert with_status([draft], active, ServiceFilter(search="A")) == [(draft, None)]  # no status needed


def test_a_filter_is_checked_and_trimmed() -> None:
    assert ServiceFilter(search="  ").checked([]) == EVERY
    assert ServiceFilter(search=" web ").checked([]).search == "web"
    assert ServiceFilter(catalog_entry="redis").checked(["redis"]).catalog_entry == "redis"
    with pytest.raises(BadInput) as refused:
        ServiceFilter(catalog_entry="nope").checked(["redis"])
    assert refused.value.field == "catalog_entry"
