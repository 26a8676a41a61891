from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers import mapping
from resolvers.context import of
from schema import types


def catalog(info: Info) -> list[types.CatalogEntry]:
    return [mapping.entry(e) for e in of(info).app.catalog]


def catalog_entry(info: Info, id: strawberry.ID) -> types.CatalogEntry:
    return mapping.entry(of(info).app.catalog.get(str(id)))


def me(info: Info) -> types.Me:
    tenant = of(info).tenant
    return types.Me(tenant_id=strawberry.ID(tenant.id), subject=tenant.subject, admin=tenant.admin)
