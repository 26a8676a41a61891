"""The caller and the catalog."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schema.catalog import CatalogCategory, CatalogEntry, Me
from schema.context import of


def catalog(info: Info) -> list[CatalogEntry]:
    app = of(info).app
    return [CatalogEntry.of(e, app.services.host) for e in app.catalog]


def catalog_categories(info: Info) -> list[CatalogCategory]:
    return [CatalogCategory.of(c) for c in of(info).app.catalog.categories.values()]


def catalog_entry(info: Info, id: strawberry.ID) -> CatalogEntry:
    app = of(info).app
    return CatalogEntry.of(app.catalog.get(str(id)), app.services.host)


def me(info: Info) -> Me:
    tenant = of(info).tenant
    return Me(tenant_id=strawberry.ID(tenant.id), subject=tenant.subject, admin=tenant.admin)
