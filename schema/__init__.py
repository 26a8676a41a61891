"""Strawberry types only: the public contract integrators code against."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import ExecutionContext
from graphql import GraphQLError

from schema.errors import DomainErrors
from schema.root import Mutation, Query, Subscription


class SpawnItSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # classified (and internal ones logged) by DomainErrors: no tracebacks for a caller's error
        return None


def build_schema(extra_extensions: list[Any] | None = None) -> strawberry.Schema:
    return SpawnItSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[DomainErrors, *(extra_extensions or [])],
    )
