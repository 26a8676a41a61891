"""The GraphQL context: the composed application and the caller (every resolver and
nested field reads it through `of(info)`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry.types import Info

from app.auth.oidc import Identity
from app.auth.tenant import Tenant
from app.container import SpawnIt
from app.errors import SpawnItError, Unauthenticated


@dataclass
class Context:
    app: SpawnIt
    request: Any = None
    connection_params: Any = None  # a websocket's connection_init payload
    identity: Identity | None = None
    auth_error: SpawnItError | None = None
    expiry: Any = None  # the task that closes a socket when its token expires
    log_feed: Any = None  # a log stream shared by subscribers (app/http/fanout.py), else None

    @property
    def tenant(self) -> Tenant:
        """The caller's tenant: every resolver asks, so no field answers without one."""
        if self.identity is None:
            raise self.auth_error or Unauthenticated("a bearer token is required")
        return self.identity.tenant


def of(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]
