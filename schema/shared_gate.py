"""Shared mode: while Redis cannot be reached, a mutation is refused before it starts
(`UNAVAILABLE`, saying so) instead of half-happening; queries answer from storage. Whether
Redis is there is what the bus's listener last saw (it loses its connection the moment Redis
goes, and says so when it is back), so a mutation costs no extra round trip."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.errors import Unavailable


class SharedGate(SchemaExtension):
    def on_execute(self) -> Iterator[None]:  # sync: the schema also runs synchronously (SDL, tests)
        ctx = self.execution_context
        shared = getattr(getattr(ctx.context, "app", None), "shared", None)
        if shared is not None and ctx.operation_type is OperationType.MUTATION:
            reason = shared.problem  # the listener's view: no round trip per mutation
            if reason:
                error = Unavailable(f"{reason}: changes are refused until it is back (see /readyz)")
                ctx.result = ExecutionResult(data=None, errors=[GraphQLError(error.message, original_error=error)])
        yield
