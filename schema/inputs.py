"""The API's input types."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from schema.enums import ServiceStatus


@strawberry.input
class CreateServiceInput:
    catalog_entry_id: strawberry.ID
    target: str
    name: str
    variables: JSON | None = strawberry.field(
        default=None, description="Field name -> value, as the catalog entry's form says."
    )


@strawberry.input
class UpdateServiceInput:
    name: str | None = None
    variables: JSON | None = None
    drift_check_interval: int | None = strawberry.field(
        default=None, description="Seconds between drift checks; 0 stops watching this service."
    )


@strawberry.input(description="Which services a listing keeps; every field left out keeps them all.")
class ServiceFilter:
    status: list[ServiceStatus] | None = strawberry.field(
        default=None, description="One status or a list of them: services in any of them (an empty list: any status)."
    )
    catalog_entry_id: strawberry.ID | None = strawberry.field(
        default=None, description="Services of this catalog entry (BAD_USER_INPUT for an entry that does not exist)."
    )
    search: str | None = strawberry.field(
        default=None, description="A part of the service's name, whatever its case (at most 100 characters)."
    )
