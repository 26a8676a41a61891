"""A tenant's own credentials for a target, as the API shows them: whether they are set,
never what they are."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.services.credentials import CredentialsStatus


@strawberry.type(description="Whether credentials of the caller's own are registered for a target (never them).")
class TargetCredentialsStatus:
    target: str
    configured: bool = strawberry.field(description="The caller's services on the target use these.")
    region: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, status: CredentialsStatus) -> TargetCredentialsStatus:
        return cls(target=status.target, configured=status.set, region=status.region, updated_at=status.updated_at)
