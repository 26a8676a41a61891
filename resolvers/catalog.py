"""The caller and the catalog."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.catalog import CatalogCategory, CatalogEntry, Me
from schema.context import of


async def catalog(info: Info) -> list[CatalogEntry]:
    app, tenant = of(info).app, of(info).tenant
    host = await app.services.host_for(tenant.id)  # a tenant's own credentials count
    return [CatalogEntry.of(e, host) for e in app.catalog]


def catalog_categories(info: Info) -> list[CatalogCategory]:
    return [CatalogCategory.of(c) for c in of(info).app.catalog.categories.values()]


async def catalog_entry(info: Info, id: strawberry.ID) -> CatalogEntry:
    app, tenant = of(info).app, of(info).tenant
    return CatalogEntry.of(app.catalog.get(str(id)), await app.services.host_for(tenant.id))


def me(info: Info) -> Me:
    tenant = of(info).tenant
    return Me(tenant_id=strawberry.ID(tenant.id), subject=tenant.subject, admin=tenant.admin)
