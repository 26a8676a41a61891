"""The catalog's types: entries, their form fields and where they can run, and the caller."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.catalog.icons import GENERIC
from app.catalog.model import Category, Entry, Host
from app.catalog.outputs import connection_details
from app.catalog.validate import MASK
from schema.context import of
from schema.enums import FieldType, field_type

ICON_PATH = "/catalog/icons/{id}.svg?v={version}"


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


@strawberry.type(
    description="A shelf of the catalog (Game Servers, Databases, Web, ...) and its entries in catalog order."
)
class CatalogCategory:
    id: strawberry.ID
    name: str
    description: str

    @strawberry.field
    async def entries(self, info: Info) -> list[CatalogEntry]:
        ctx = of(info)
        host = await ctx.app.services.host_for(ctx.tenant.id)  # a tenant's own credentials count
        return [CatalogEntry.of(e, host) for e in ctx.app.catalog.in_category(str(self.id))]

    @classmethod
    def of(cls, c: Category) -> CatalogCategory:
        return cls(id=strawberry.ID(c.id), name=c.name, description=c.description)


@strawberry.type(description="A connection detail an entry's running service shows (URL, host:port, ...).")
class CatalogOutput:
    name: str
    description: str


@strawberry.type
class CatalogEntry:
    id: strawberry.ID
    name: str
    description: str
    category: CatalogCategory
    icon_url: str = strawberry.field(
        description="The entry's icon, an SVG served by SpawnIt: a path on the API's own host "
        "(prefix it with the API's origin); it changes when the picture does."
    )
    targets: list[str]
    available_targets: list[str]
    target_availability: list[TargetAvailability] = strawberry.field(
        description="Each target of the entry, and each target it does not support with the reason "
        "(e.g. why it cannot run on local)."
    )
    outputs: list[CatalogOutput] = strawberry.field(
        description="The connection details a service of this entry shows once it runs (Service.connection)."
    )
    fields: list[CatalogField]

    @classmethod
    def of(cls, e: Entry, host: Host) -> CatalogEntry:
        """An entry as this host can run it now; a sensitive field's default leaves masked."""
        available = e.available_targets(host)
        return cls(
            id=strawberry.ID(e.id),
            name=e.name,
            description=e.description,
            category=CatalogCategory.of(e.category),
            icon_url=ICON_PATH.format(id=e.id, version=(e.icon or GENERIC).version),
            targets=list(e.targets),
            available_targets=available,
            target_availability=[
                TargetAvailability(target=t, available=t in available, reason=e.unavailable_reason(t, host))
                for t in [*e.targets, *(t for t in e.unsupported if t not in e.targets)]
            ],
            outputs=[CatalogOutput(name=o.name, description=o.description) for o in e.outputs],
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


@strawberry.type(description="One connection detail of a running service; a password in it shows masked.")
class ConnectionDetail:
    name: str
    description: str
    value: str

    @classmethod
    def of_service(
        cls, e: Entry, shown: dict[str, Any], builtins: dict[str, Any], outputs: dict[str, Any]
    ) -> list[ConnectionDetail]:
        """`shown`: the service's variables as the API shows them (sensitive ones masked)."""
        return [
            cls(name=o.name, description=o.description, value=value)
            for o, value in connection_details(e, shown, builtins, outputs)
        ]
