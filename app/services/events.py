"""Service events: one per change of a service's drift verdict, health or job state,
published on the tenant's topic of the bus."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from app.engine.json_events import ResourceChange


class EventKind(str, enum.Enum):
    DRIFT = "DRIFT"
    HEALTH = "HEALTH"
    JOB = "JOB"


@dataclass(frozen=True)
class ServiceEvent:
    tenant: str
    service_id: str
    kind: EventKind
    old: str | None
    new: str
    at: datetime
    job_id: str | None = None
    resources: tuple[ResourceChange, ...] = ()  # for DRIFTED: what differs
