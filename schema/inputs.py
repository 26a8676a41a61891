"""The API's input types."""

from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.scalars import JSON


@strawberry.input
class CreateServiceInput:
    catalog_entry_id: strawberry.ID
    target: str
    name: str
    variables: Optional[JSON] = strawberry.field(default=None, description="Field name -> value, as the catalog entry's form says.")


@strawberry.input
class UpdateServiceInput:
    name: Optional[str] = None
    variables: Optional[JSON] = None
    drift_check_interval: Optional[int] = strawberry.field(
        default=None, description="Seconds between drift checks; 0 stops watching this service."
    )
