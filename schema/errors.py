"""The one place domain errors become GraphQL errors with a stable `extensions.code`.

A `SpawnItError` keeps its message and gets its code; a request the GraphQL layer
refuses (syntax, unknown field, a value of the wrong type) is the caller's error too;
anything else is INTERNAL, with no detail (the server log has the traceback).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import DocumentNode, GraphQLError, Node, Visitor, visit
from graphql.language import ArgumentNode, ListValueNode, ObjectValueNode, ValueNode
from strawberry.extensions import SchemaExtension

from app.errors import SpawnItError

log = logging.getLogger("spawnit.api")

INTERNAL_MESSAGE = "Internal error."


# graphql-core's own words for a variable it refused, with the path inside its value
_VARIABLE = re.compile(r"^Variable '\$(\w+)'(?: has invalid (?:default )?value at ((?:\.\w+|\[\d+\])+):)?")

Spans = Mapping[tuple[int, int], str]  # where an argument (or a part of its value) is -> its path


def argument_paths(document: DocumentNode | None) -> Spans:
    """Every argument of `document`, and every part of its literal value, by where it is
    in the source: `jobId`, `input.variables`, `ids[2]`."""
    spans: dict[tuple[int, int], str] = {}

    def mark(node: Node, path: str) -> None:
        if node.loc is not None:
            spans[(node.loc.start, node.loc.end)] = path

    def walk(value: ValueNode, path: str) -> None:
        mark(value, path)
        if isinstance(value, ObjectValueNode):
            for field in value.fields:
                mark(field, f"{path}.{field.name.value}")
                walk(field.value, f"{path}.{field.name.value}")
        elif isinstance(value, ListValueNode):
            for i, item in enumerate(value.values):
                walk(item, f"{path}[{i}]")

    class Arguments(Visitor):
        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            mark(node, node.name.value)
            walk(node.value, node.name.value)

    if document is not None:
        visit(document, Arguments())
    return spans


def refused_field(error: GraphQLError, spans: Spans) -> str | None:
    """The argument or variable path a request error is about, if it is about one."""
    if match := _VARIABLE.match(error.message):
        return match.group(1) + (match.group(2) or "")
    for node in error.nodes or ():
        if node.loc is not None and (path := spans.get((node.loc.start, node.loc.end))):
            return path
    return None


# the domain names its arguments in its own words; the client reads the API's
API_NAMES = {
    "from_line": "fromLine",
    "max_lines": "maxLines",
    "plan_job_id": "planJobId",
    "catalog_entry": "catalogEntryId",
    "drift_interval": "driftCheckInterval",
    "access_key_id": "accessKeyId",
    "secret_access_key": "secretAccessKey",
}


def _in_api_terms(error: SpawnItError) -> tuple[str, str | None]:
    """The message and field of a domain error, its argument named as the API names it
    (a message that opens with the argument's domain name opens with the API's)."""
    message = error.message
    for domain, api in API_NAMES.items():
        if message.startswith((f"{domain}:", f"{domain} ")):
            message = api + message.removeprefix(domain)
            break
    return message, API_NAMES.get(error.field or "", error.field)


def classify(error: GraphQLError, spans: Spans | None = None) -> GraphQLError:
    """The error as the client gets it: a stable code, and for the caller's errors the
    argument (or variable path) at fault in `extensions.field`."""
    original = error.original_error
    if isinstance(original, SpawnItError):
        extensions = {"code": original.code}
        message, field = _in_api_terms(original)
        if field:
            extensions["field"] = field
        return _copy(error, message, extensions)
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
        extensions = {"code": code}
        if code != "GRAPHQL_PARSE_FAILED" and (field := refused_field(error, spans or {})):
            extensions["field"] = field
        return _copy(error, message, extensions)
    if isinstance(original, GraphQLError):  # graphql-core refusing a value (coercion)
        extensions = dict(original.extensions or {})
        extensions.setdefault("code", "BAD_USER_INPUT")
        if "field" not in extensions and (field := refused_field(error, spans or {})):
            extensions["field"] = field
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
            spans = argument_paths(self.execution_context.graphql_document)
            result.errors = [classify(e, spans) for e in errors]  # type: ignore[attr-defined]

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        if not self._streamed:
            self._process(self.execution_context.result)

    def on_stream_result(self, result: object) -> Iterator[None]:
        self._streamed = True
        self._process(result)
        yield None
