"""The GraphQL context: the composed application and the caller's tenant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry.types import Info

from app.auth.tenant import Tenant
from app.container import SpawnIt


@dataclass
class Context:
    app: SpawnIt
    tenant: Tenant
    request: Any = None


def of(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]
