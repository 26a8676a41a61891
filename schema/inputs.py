"""The API's input types."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON


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
