"""The one place domain errors become GraphQL errors with a stable `extensions.code`.

A `SpawnItError` keeps its message and gets its code; a request the GraphQL layer
refuses (syntax, unknown field, a value of the wrong type) is the caller's error too;
anything else is INTERNAL, with no detail (the server log has the traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.errors import SpawnItError

log = logging.getLogger("spawnit.api")

INTERNAL_MESSAGE = "Internal error."


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, SpawnItError):
        extensions = {"code": original.code}
        if original.field:
            extensions["field"] = original.field
        return _copy(error, original.message, extensions)
    if original is None:
        if (error.extensions or {}).get("code"):
            return error
        message = error.message
        if message.startswith("Syntax Error"):
            code = "GRAPHQL_PARSE_FAILED"
        elif "Cannot query field" in message or "Unknown " in message or "must have a selection" in message:
            code = "GRAPHQL_VALIDATION_FAILED"
        else:
            code = "BAD_USER_INPUT"
        return _copy(error, message, {"code": code})
    if isinstance(original, GraphQLError):  # graphql-core refusing a value (coercion)
        extensions = dict(original.extensions or {})
        extensions.setdefault("code", "BAD_USER_INPUT")
        return _copy(error, error.message, extensions)
    log.error("internal error in %s", ".".join(map(str, error.path or [])) or "operation", exc_info=original)
    return _copy(error, INTERNAL_MESSAGE, {"code": "INTERNAL"})


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class DomainErrors(SchemaExtension):
    def __init__(self) -> None:
        self._streamed = False

    def _process(self, result: object) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [classify(e) for e in errors]  # type: ignore[attr-defined]

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        if not self._streamed:
            self._process(self.execution_context.result)

    def on_stream_result(self, result: object) -> Iterator[None]:
        self._streamed = True
        self._process(result)
        yield None
