"""Counts of a tenant's services by status, for a dashboard."""

from __future__ import annotations

import strawberry

from app.services.listing import ServiceCounts as DomainCounts
from app.services.model import ServiceStatus as DomainStatus
from schema.enums import ServiceStatus


@strawberry.type
class StatusCount:
    status: ServiceStatus
    count: int


@strawberry.type(
    description="The caller's services counted by `status` (those the filter keeps). Each named count is the "
    "services whose status is exactly that one; `byStatus` lists every status, zeros included."
)
class ServiceCounts:
    total: int
    deployed: int
    drifted: int
    failed: int
    changed: int = strawberry.field(description="Deployed, with variables changed since (an apply brings them in).")
    in_progress: int = strawberry.field(description="DEPLOYING or DESTROYING: a job is at them now.")
    by_status: list[StatusCount]

    @classmethod
    def of(cls, counts: DomainCounts) -> ServiceCounts:
        return cls(
            total=counts.total,
            deployed=counts.of(DomainStatus.DEPLOYED),
            drifted=counts.of(DomainStatus.DRIFTED),
            failed=counts.of(DomainStatus.FAILED),
            changed=counts.of(DomainStatus.CHANGED),
            in_progress=counts.of(DomainStatus.DEPLOYING) + counts.of(DomainStatus.DESTROYING),
            by_status=[StatusCount(status=s, count=n) for s, n in counts.by_status.items()],
        )
