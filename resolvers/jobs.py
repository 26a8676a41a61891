from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

import strawberry
from strawberry.types import Info

from app.jobs.stream import job_stream, log_batches, log_stream
from resolvers.arguments import arg_id
from resolvers.selection import shown
from schema import types
from schema.context import of


async def job(info: Info, id: strawberry.ID) -> types.Job:
    ctx = of(info)
    return types.Job.of(await ctx.app.jobs.find(ctx.tenant.id, arg_id(id, "id")))


async def plan_service(info: Info, id: strawberry.ID) -> types.Job:
    ctx = of(info)
    return types.Job.of(await ctx.app.services.plan(ctx.tenant.id, arg_id(id, "id")))


async def apply_service(info: Info, id: strawberry.ID, plan_job_id: strawberry.ID | None = None) -> types.Job:
    ctx = of(info)
    service_id = arg_id(id, "id")
    plan = arg_id(plan_job_id, "planJobId") if plan_job_id is not None else None
    return types.Job.of(await ctx.app.services.apply(ctx.tenant.id, service_id, plan))


async def destroy_service(info: Info, id: strawberry.ID) -> types.Job:
    ctx = of(info)
    return types.Job.of(await ctx.app.services.destroy(ctx.tenant.id, arg_id(id, "id")))


async def check_drift(info: Info, id: strawberry.ID) -> types.Job:
    ctx = of(info)
    return types.Job.of(await ctx.app.services.check_drift(ctx.tenant.id, arg_id(id, "id")))


async def cancel_job(info: Info, id: strawberry.ID, force: bool = False) -> types.Job:
    ctx = of(info)
    return types.Job.of(await ctx.app.services.cancel(ctx.tenant.id, arg_id(id, "id"), force))


async def job_logs(info: Info, job_id: strawberry.ID, from_line: int = 0) -> AsyncGenerator[types.LogLine, None]:
    ctx = of(info)
    jobs, tenant = ctx.app.jobs, ctx.tenant.id
    job = await jobs.find(tenant, arg_id(job_id, "jobId"))  # NOT_FOUND before anything streams

    async def get_job():  # type: ignore[no-untyped-def]
        return await jobs.find(tenant, job.id)

    async def get_lines(start: int, limit: int | None):  # type: ignore[no-untyped-def]
        return await jobs.log(tenant, job.id, start, limit)

    async with aclosing(log_stream(ctx.app.bus, job.id, get_job, get_lines, from_line, ctx.log_feed)) as lines:
        async for line in lines:
            yield types.LogLine.of(line)


async def job_log_batches(
    info: Info, job_id: strawberry.ID, from_line: int = 0, max_lines: int = 500
) -> AsyncGenerator[list[types.LogLine], None]:
    ctx = of(info)
    jobs, tenant = ctx.app.jobs, ctx.tenant.id
    job = await jobs.find(tenant, arg_id(job_id, "jobId"))

    async def get_job():  # type: ignore[no-untyped-def]
        return await jobs.find(tenant, job.id)

    async def get_lines(start: int, limit: int | None):  # type: ignore[no-untyped-def]
        return await jobs.log(tenant, job.id, start, limit)

    stream = log_batches(ctx.app.bus, job.id, get_job, get_lines, from_line, min(max_lines, 5000), ctx.log_feed)
    async with aclosing(stream) as batches:
        async for batch in batches:
            yield [types.LogLine.of(line) for line in batch]


async def job_updates(info: Info, job_id: strawberry.ID) -> AsyncGenerator[types.Job, None]:
    ctx = of(info)
    jobs, tenant = ctx.app.jobs, ctx.tenant.id
    job = await jobs.find(tenant, arg_id(job_id, "jobId"))

    async def get_job():  # type: ignore[no-untyped-def]
        return await jobs.find(tenant, job.id)

    last: object = None
    async with aclosing(job_stream(ctx.app.bus, job.id, get_job)) as updates:
        async for update in updates:
            out = types.Job.of(update)
            seen = shown(info, out)
            if seen != last:  # never the same message twice in a row, whatever is selected
                last = seen
                yield out
