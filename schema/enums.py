"""GraphQL enums: the domain's enums under their public names."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import strawberry

from app.catalog.model import FieldType as _FieldType
from app.drift.model import DriftStatus as _DriftStatus
from app.drift.model import HealthStatus as _HealthStatus
from app.jobs.model import JobKind as _JobKind
from app.jobs.model import JobState as _JobState
from app.jobs.model import Phase as _Phase
from app.services.events import EventKind as _EventKind
from app.services.model import ServiceStatus as _ServiceStatus

if TYPE_CHECKING:  # to a type checker, the public enums are the domain's
    ServiceStatus = _ServiceStatus
    JobKind = _JobKind
    JobState = _JobState
    JobPhase = _Phase
    DriftStatus = _DriftStatus
    HealthStatus = _HealthStatus
    ServiceEventKind = _EventKind
else:
    ServiceStatus = strawberry.enum(_ServiceStatus, name="ServiceStatus")
    JobKind = strawberry.enum(_JobKind, name="JobKind")
    JobState = strawberry.enum(_JobState, name="JobState")
    JobPhase = strawberry.enum(_Phase, name="JobPhase")
    DriftStatus = strawberry.enum(_DriftStatus, name="DriftStatus")
    HealthStatus = strawberry.enum(_HealthStatus, name="HealthStatus")
    ServiceEventKind = strawberry.enum(_EventKind, name="ServiceEventKind")


@strawberry.enum
class FieldType(enum.Enum):
    STRING = "STRING"
    NUMBER = "NUMBER"
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"
    ENUM = "ENUM"
    LIST_OF_STRINGS = "LIST_OF_STRINGS"


def field_type(value: _FieldType) -> FieldType:
    return FieldType[value.name]
