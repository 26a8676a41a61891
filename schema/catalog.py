"""The catalog's types: entries, their form fields and where they can run, and the caller."""

from __future__ import annotations

from typing import cast

import strawberry
from strawberry.scalars import JSON

from app.catalog.model import Entry, Host
from app.catalog.validate import MASK
from schema.enums import FieldType, field_type


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

    @classmethod
    def of(cls, e: Entry, host: Host) -> CatalogEntry:
        """An entry as this host can run it now; a sensitive field's default leaves masked."""
        available = e.available_targets(host)
        return cls(
            id=strawberry.ID(e.id),
            name=e.name,
            description=e.description,
            targets=list(e.targets),
            available_targets=available,
            target_availability=[
                TargetAvailability(target=t, available=t in available, reason=e.unavailable_reason(t, host))
                for t in e.targets
            ],
            fields=[
                CatalogField(
                    name=f.name,
                    type=field_type(f.type),
                    required=f.required,
                    default=cast(JSON, MASK if f.sensitive else f.default),
                    options=list(f.options) or None,
                    min=f.min,
                    max=f.max,
                    pattern=f.pattern,
                    description=f.description,
                    sensitive=f.sensitive,
                )
                for f in e.fields
            ],
        )
