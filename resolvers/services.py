from __future__ import annotations

from typing import Optional

import strawberry
from strawberry.types import Info

from app.errors import BadInput
from app.pagination import paginate
from resolvers import mapping
from resolvers.context import of
from schema import inputs, types


async def services(info: Info, first: int = 20, after: Optional[str] = None) -> types.ServiceConnection:
    ctx = of(info)
    views = await ctx.app.services.list(ctx.tenant.id)
    page = paginate(views, lambda v: f"{v.info.created_at.isoformat()}|{v.info.id}", first, after)
    return types.ServiceConnection(
        edges=[types.ServiceEdge(node=mapping.service(v, ctx.app.catalog), cursor=c) for v, c in page.items],
        page_info=mapping.page_info(page),
    )


async def service(info: Info, id: strawberry.ID) -> types.Service:
    ctx = of(info)
    return mapping.service(await ctx.app.services.get(ctx.tenant.id, str(id)), ctx.app.catalog)


async def create_service(info: Info, input: inputs.CreateServiceInput) -> types.Service:
    ctx = of(info)
    variables = input.variables if input.variables is not None else {}
    if not isinstance(variables, dict):
        raise BadInput("variables: must be an object of field name to value", field="variables")
    view = await ctx.app.services.create(
        ctx.tenant.id, str(input.catalog_entry_id), input.target, input.name, variables
    )
    return mapping.service(view, ctx.app.catalog)


async def update_service(info: Info, id: strawberry.ID, input: inputs.UpdateServiceInput) -> types.Service:
    ctx = of(info)
    if input.variables is not None and not isinstance(input.variables, dict):
        raise BadInput("variables: must be an object of field name to value", field="variables")
    view = await ctx.app.services.update(ctx.tenant.id, str(id), input.name, input.variables)
    return mapping.service(view, ctx.app.catalog)


async def delete_service(info: Info, id: strawberry.ID) -> types.Service:
    ctx = of(info)
    return mapping.service(await ctx.app.services.delete(ctx.tenant.id, str(id)), ctx.app.catalog)
