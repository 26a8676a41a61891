"""The one mapping from domain errors to GraphQL error codes."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from app.errors import BadInput, Conflict, NotFound, Unavailable
from schema.errors import INTERNAL_MESSAGE, classify


def wrapped(original: Exception | None, message: str = "x") -> GraphQLError:
    return GraphQLError(message, original_error=original)


@pytest.mark.parametrize(
    "error,code",
    [
        (BadInput("port: too low", field="port"), "BAD_USER_INPUT"),
        (NotFound("no"), "NOT_FOUND"),
        (Conflict("busy"), "CONFLICT"),
        (Unavailable("storage unreachable"), "UNAVAILABLE"),
    ],
)
def test_domain_errors_keep_their_message_and_get_their_code(error: Exception, code: str) -> None:
    out = classify(wrapped(error))
    assert out.extensions["code"] == code
    assert out.message == str(error)


def test_the_field_travels_with_bad_input() -> None:
    assert classify(wrapped(BadInput("port: too low", field="port"))).extensions["field"] == "port"


def test_anything_else_is_internal_without_detail() -> None:
    out = classify(wrapped(RuntimeError("password=hunter2 at /srv/secret")))
    assert out.extensions == {"code": "INTERNAL"}
    assert out.message == INTERNAL_MESSAGE
    assert "hunter2" not in out.formatted.__repr__()


def test_graphql_layer_errors() -> None:
    assert classify(wrapped(None, "Syntax Error: Unexpected Name")).extensions["code"] == "GRAPHQL_PARSE_FAILED"
    assert classify(wrapped(None, "Cannot query field 'nope' on type 'Query'.")).extensions["code"] == (
        "GRAPHQL_VALIDATION_FAILED"
    )
    assert classify(wrapped(GraphQLError("Int cannot represent non-integer value"))).extensions["code"] == (
        "BAD_USER_INPUT"
    )


def test_coercion_errors_name_the_variable_path() -> None:
    def field(message: str) -> object:
        return classify(wrapped(GraphQLError("inner"), message)).extensions.get("field")

    assert field("Variable '$port' has invalid value: Int cannot represent non-integer value: 'abc'") == "port"
    assert field("Variable '$i' has invalid value at .variables[2].x: bad") == "i.variables[2].x"
    assert field("Variable '$id' of required type 'ID!' was not provided.") == "id"
    assert field("Int cannot represent non-integer value: 'abc'") is None  # no document: nothing to name
