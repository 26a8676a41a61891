from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers import mapping
from resolvers.context import of
from schema import types


def catalog(info: Info) -> list[types.CatalogEntry]:
    app = of(info).app
    return [mapping.entry(e, app.services.host) for e in app.catalog]


def catalog_entry(info: Info, id: strawberry.ID) -> types.CatalogEntry:
    app = of(info).app
    return mapping.entry(app.catalog.get(str(id)), app.services.host)


def me(info: Info) -> types.Me:
    tenant = of(info).tenant
    return types.Me(tenant_id=strawberry.ID(tenant.id), subject=tenant.subject, admin=tenant.admin)
