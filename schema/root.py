"""The root assembly: every public operation and the resolver behind it, and the schema."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from app.settings import Settings
from resolvers import catalog as catalog_r
from resolvers import jobs as jobs_r
from resolvers import services as services_r
from resolvers import targets as targets_r
from schema import types
from schema.catalog import CatalogCategory, CatalogEntry, Me
from schema.errors import DomainErrors
from schema.execution import EventExecutionContext
from schema.listing import ServiceCounts
from schema.shared_gate import SharedGate
from schema.targets import TargetCredentialsStatus

DOCUMENT_CACHE = 256  # distinct documents kept parsed and validated (least recently used out)


@strawberry.type
class Query:
    me: Me = strawberry.field(resolver=catalog_r.me, description="The caller.")
    catalog: list[CatalogEntry] = strawberry.field(
        resolver=catalog_r.catalog, description="Every deployable kind of service."
    )
    catalog_entry: CatalogEntry = strawberry.field(resolver=catalog_r.catalog_entry)
    catalog_categories: list[CatalogCategory] = strawberry.field(
        resolver=catalog_r.catalog_categories,
        description="The catalog's categories in order, each with its entries; only categories that hold an entry.",
    )
    services: types.ServiceConnection = strawberry.field(
        resolver=services_r.services,
        description="The caller's services, oldest first; `filter` keeps some (applied before the page is cut).",
    )
    service_counts: ServiceCounts = strawberry.field(
        resolver=services_r.service_counts,
        description="The caller's services (those `filter` keeps) counted by status, for a dashboard.",
    )
    service: types.Service = strawberry.field(resolver=services_r.service)
    all_services: types.ServiceConnection = strawberry.field(
        resolver=services_r.all_services,
        description="Every tenant's services, read-only: administrators only (FORBIDDEN otherwise).",
    )
    job: types.Job = strawberry.field(resolver=jobs_r.job)
    target_credentials: TargetCredentialsStatus = strawberry.field(
        resolver=targets_r.target_credentials,
        description="Whether the caller registered credentials of its own for `target`: never the credentials.",
    )


@strawberry.type
class Mutation:
    create_service: types.Service = strawberry.mutation(
        resolver=services_r.create_service,
        description="Create a service from a catalog entry; the form is validated before anything is stored.",
    )
    update_service: types.Service = strawberry.mutation(resolver=services_r.update_service)
    delete_service: types.Service = strawberry.mutation(
        resolver=services_r.delete_service,
        description="Refused (CONFLICT) while the service has resources; with `destroy: true`, a DESTROY job "
        "runs first and its success deletes the service: follow it through the answer's `deletion`.",
    )
    set_target_credentials: TargetCredentialsStatus = strawberry.mutation(
        resolver=targets_r.set_target_credentials,
        description="Register the caller's own cloud credentials for `target` (aws), used for its services "
        "there instead of the operator's. Sealed at rest, write-only: no answer ever shows them.",
    )
    clear_target_credentials: TargetCredentialsStatus = strawberry.mutation(
        resolver=targets_r.clear_target_credentials,
        description="Forget the caller's own credentials for `target`: the operator's are used again.",
    )
    reveal_secret: str = strawberry.mutation(
        resolver=services_r.reveal_secret,
        description="The value of one of the service's sensitive fields (typed or generated). "
        "Each reveal is recorded in the service's history and the server's audit log.",
    )
    plan_service: types.Job = strawberry.mutation(resolver=jobs_r.plan_service)
    apply_service: types.Job = strawberry.mutation(
        resolver=jobs_r.apply_service,
        description="Plan and apply, or apply exactly the saved plan of `planJobId` "
        "(refused with CONFLICT if any other job ran on the service since).",
    )
    destroy_service: types.Job = strawberry.mutation(resolver=jobs_r.destroy_service)
    check_drift: types.Job = strawberry.mutation(
        resolver=jobs_r.check_drift,
        description="Run a drift check of the service now; it yields to any job a user asks for meanwhile.",
    )
    cancel_job: types.Job = strawberry.mutation(
        resolver=jobs_r.cancel_job,
        description="SIGINT to the engine, SIGKILL after the grace period; `force` kills at once.",
    )


@strawberry.type
class Subscription:
    job_logs = strawberry.subscription(
        resolver=jobs_r.job_logs,
        description="Every line from `fromLine`, then live lines; completes when the job ends.",
    )
    job_log_batches = strawberry.subscription(
        resolver=jobs_r.job_log_batches,
        description="Like jobLogs, but each message carries the consecutive lines ready (up to `maxLines`): "
        "for followers of busy jobs and crowds of subscribers.",
    )
    job_updates = strawberry.subscription(
        resolver=jobs_r.job_updates, description="The job at each change of state, phase or progress."
    )
    service_events = strawberry.subscription(
        resolver=services_r.service_events,
        description="One event per change of a drift verdict, of health, or of a job's state, for the "
        "caller's services (or the one `serviceId`): never one per check that changed nothing.",
    )


class CachedParse(ParserCache):
    """strawberry's ParserCache, but a document it cannot parse (a syntax error, too many
    tokens) is left to strawberry's own parse: raised from the extension, the refusal would
    bypass DomainErrors and leave without its code."""

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        with contextlib.suppress(Exception):  # parsed again, and refused, by strawberry
            ctx.graphql_document = self.cached_parse_document(ctx.query, **ctx.parse_options)
        yield


class SpawnItSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # classified (and internal ones logged) by DomainErrors: no tracebacks for a caller's error
        return None


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema, with the request limits of `settings` (defaults without)."""
    settings = settings or Settings()
    # The limiters' rules are made once: a rule class made per request (as the limiters'
    # factories would) is a new key of the validation cache each time, which never hits.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    extensions: list[Any] = [
        DomainErrors,
        SharedGate,
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        # repeated documents: parsed (under the token limit) and validated (with the rules) once
        lambda: CachedParse(maxsize=DOCUMENT_CACHE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return SpawnItSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=EventExecutionContext,
    )
