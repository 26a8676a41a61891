"""Strawberry types only: the public contract integrators code against."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.types import ExecutionContext

from app.settings import Settings
from schema.errors import DomainErrors
from schema.root import Mutation, Query, Subscription


class SpawnItSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # classified (and internal ones logged) by DomainErrors: no tracebacks for a caller's error
        return None


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema, with the request limits of `settings` (defaults without)."""
    settings = settings or Settings()
    extensions: list[Any] = [
        DomainErrors,
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return SpawnItSchema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions)
