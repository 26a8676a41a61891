from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry
from strawberry.types import Info

from app.catalog.validate import InvalidValues
from app.errors import BadInput, NotFound
from app.services.stream import event_stream
from resolvers.arguments import arg_id, filter_errors, service_filter, under_input
from schema import inputs, listing, types, verdicts
from schema.context import Context, of


def _form(ctx: Context, entry_id: str) -> list[str]:
    """The names of the form fields of a catalog entry (none for an unknown entry)."""
    try:
        return [f.name for f in ctx.app.catalog.get(entry_id).fields]
    except NotFound:
        return []


async def services(
    info: Info, first: int = 20, after: str | None = None, filter: inputs.ServiceFilter | None = None
) -> types.ServiceConnection:
    ctx = of(info)
    tenant = ctx.tenant.id
    with filter_errors():
        page = await ctx.app.services.page_of_tenant(tenant, first, after, service_filter(filter))
    return types.ServiceConnection.of(page, ctx)


async def all_services(
    info: Info, first: int = 20, after: str | None = None, filter: inputs.ServiceFilter | None = None
) -> types.ServiceConnection:
    ctx = of(info)
    with filter_errors():
        page = await ctx.app.services.page_all(ctx.tenant, first, after, service_filter(filter))
    return types.ServiceConnection.of(page, ctx)


async def service_counts(info: Info, filter: inputs.ServiceFilter | None = None) -> listing.ServiceCounts:
    ctx = of(info)
    tenant = ctx.tenant.id
    with filter_errors():
        return listing.ServiceCounts.of(await ctx.app.services.counts(tenant, service_filter(filter)))


async def service(info: Info, id: strawberry.ID) -> types.Service:
    ctx = of(info)
    return types.Service.of(await ctx.app.services.get(ctx.tenant.id, arg_id(id, "id")), ctx)


async def create_service(info: Info, input: inputs.CreateServiceInput) -> types.Service:
    ctx = of(info)
    variables: object = input.variables if input.variables is not None else {}
    try:
        if not isinstance(variables, dict):
            raise BadInput("variables: must be an object of field name to value", field="variables")
        view = await ctx.app.services.create(
            ctx.tenant.id, str(input.catalog_entry_id), input.target, input.name, variables
        )
    except BadInput as exc:
        raise under_input(exc, _form(ctx, str(input.catalog_entry_id))) from None
    return types.Service.of(view, ctx)


async def update_service(info: Info, id: strawberry.ID, input: inputs.UpdateServiceInput) -> types.Service:
    ctx = of(info)
    service_id = arg_id(id, "id")
    try:
        if input.variables is not None and not isinstance(input.variables, dict):
            raise BadInput("variables: must be an object of field name to value", field="variables")
        view = await ctx.app.services.update(
            ctx.tenant.id, service_id, input.name, input.variables, input.drift_check_interval
        )
    except BadInput as exc:  # an update's form problems are all about its variables
        form = [f for f, _ in exc.problems] if isinstance(exc, InvalidValues) else []
        raise under_input(exc, form) from None
    ctx.app.drift.reschedule(view.info)
    return types.Service.of(view, ctx)


async def delete_service(info: Info, id: strawberry.ID, destroy: bool = False) -> types.Service:
    ctx = of(info)
    return types.Service.of(await ctx.app.services.delete(ctx.tenant.id, arg_id(id, "id"), destroy), ctx)


async def service_events(
    info: Info, service_id: strawberry.ID | None = None
) -> AsyncGenerator[verdicts.ServiceEvent, None]:
    ctx = of(info)
    only = None
    if service_id is not None:
        only = (await ctx.app.services.get(ctx.tenant.id, arg_id(service_id, "serviceId"))).info.id
    async with aclosing(event_stream(ctx.app.bus, ctx.tenant.id, only)) as events:
        async for event in events:
            yield verdicts.ServiceEvent.of(event)


async def reveal_secret(info: Info, id: strawberry.ID, field: str) -> str:
    ctx = of(info)
    return await ctx.app.services.reveal_secret(ctx.tenant.id, arg_id(id, "id"), field)
