"""Which websocket operations the fan-out (app/http/fanout.py) may share: a subscription
whose one root field is `jobLogs` or `jobLogBatches`. Subscribers share one execution
when the caller (tenant, role), the document, the operation and every variable but the
first line (`fromLine`) are the same; each gets the lines before the shared stream's
position from the log first."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    parse,
    print_ast,
)

SHARED_FIELDS = {"jobLogs": False, "jobLogBatches": True}  # field -> whether its messages are batches
DOCUMENTS = 256  # documents kept parsed (least recently used out)


@dataclass(frozen=True)
class SharedOperation:
    key: tuple[object, ...]  # subscribers with the same key share one execution
    start: int  # the first line this subscriber asked for
    batches: bool  # a slow subscriber gets coalesced batches (else: a coded error, resume with fromLine)


@lru_cache(maxsize=DOCUMENTS)
def _document(query: str) -> tuple[DocumentNode, str] | None:
    """The document and its canonical text (the same operation however it is spaced)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None  # refused, with its code, by the execution of its own
    return document, print_ast(document)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    return operations[0] if len(operations) == 1 else None


def _root_field(operation: OperationDefinitionNode) -> FieldNode | None:
    if operation.operation is not OperationType.SUBSCRIPTION:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    field = selections[0]
    return field if field.name.value in SHARED_FIELDS and not field.directives else None


def _start(
    operation: OperationDefinitionNode, field: FieldNode, variables: dict[str, object]
) -> tuple[int | None, str | None]:
    """The first line asked for, and the variable that carries it (if one does)."""
    argument = next((a for a in field.arguments or () if a.name.value == "fromLine"), None)
    if argument is None:
        return 0, None
    value = argument.value
    if isinstance(value, IntValueNode):
        return int(value.value), None
    if not isinstance(value, VariableNode):
        return None, None
    name = value.name.value
    if name in variables:
        given = variables[name]
        return (given if isinstance(given, int) and not isinstance(given, bool) else None), name
    definition = next((d for d in operation.variable_definitions or () if d.variable.name.value == name), None)
    default = definition.default_value if definition is not None else None
    return (int(default.value) if isinstance(default, IntValueNode) else 0 if default is None else None), name


def shared_operation(
    caller: tuple[object, ...], query: str, variables: dict[str, object] | None, operation_name: str | None
) -> SharedOperation | None:
    """The operation's sharing key, or None when it runs an execution of its own."""
    parsed = _document(query)
    if parsed is None:
        return None
    document, canonical = parsed
    operation = _operation(document, operation_name)
    field = _root_field(operation) if operation is not None else None
    if operation is None or field is None:
        return None
    variables = variables if isinstance(variables, dict) else {}
    start, carrier = _start(operation, field, variables)
    if start is None or start < 0:
        return None  # refused by the execution of its own, with its coded error
    rest = {k: v for k, v in variables.items() if k != carrier}
    try:
        encoded = json.dumps(rest, sort_keys=True)
    except (TypeError, ValueError):
        return None
    return SharedOperation((*caller, canonical, operation_name, encoded), start, SHARED_FIELDS[field.name.value])
