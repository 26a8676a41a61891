"""Errors name the argument the client sent: every id-taking argument of the schema
(found by introspection) refused under its own name, form fields under their path in
the input, and graphql-core's own coercion errors with the argument or variable path."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)

from tests.api.client import Api, GraphQLErrors
from tests.conftest import free_port
from tests.server import Running

NOT_UUIDS = {("Query", "catalogEntry", "id")}  # a catalog entry's id is its name


def filler(type_: Any) -> Any:
    """A valid value for a required argument that is not under test."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLInputObjectType):
        return {n: filler(f.type) for n, f in named.fields.items() if isinstance(f.type, GraphQLNonNull)}
    return {"ID": str(uuid.uuid4()), "String": "x", "Int": 0, "Boolean": False}.get(named.name, "x")


def id_arguments(schema: GraphQLSchema) -> list[tuple[str, str, str]]:
    found = []
    for op in ("Query", "Mutation", "Subscription"):
        root = schema.get_type(op)
        for fname, field in root.fields.items():  # type: ignore[union-attr]
            for aname, arg in field.args.items():
                if get_named_type(arg.type).name == "ID" and (op, fname, aname) not in NOT_UUIDS:
                    found.append((op, fname, aname))
    return found


async def operation_errors(api: Api, schema: GraphQLSchema, op: str, fname: str, bad: str) -> list[dict]:
    field = schema.get_type(op).fields[fname]  # type: ignore[union-attr]
    values = {
        a: (None if a != bad and not isinstance(t.type, GraphQLNonNull) else filler(t.type))
        for a, t in field.args.items()
    }
    values[bad] = "bad"
    values = {a: v for a, v in values.items() if v is not None}
    params = ", ".join(f"${a}: {field.args[a].type}" for a in values)
    args = ", ".join(f"{a}: ${a}" for a in values)
    selection = "" if get_named_type(field.type).name in ("String", "Boolean", "ID") else " { __typename }"
    query = f"{op.lower()}({params}) {{ {fname}({args}){selection} }}"
    if op == "Subscription":
        with pytest.raises(GraphQLErrors) as caught:
            async for _ in api.subscribe(query, **values):
                pass
        return caught.value.errors
    return (await api.errors(query, **values)).errors


async def test_every_id_argument_is_refused_under_its_own_name(spawnit: Running) -> None:
    api = spawnit.api
    introspection = await api.run(get_introspection_query())
    schema = build_client_schema(introspection)  # type: ignore[arg-type]
    table = id_arguments(schema)
    names = {a for _, _, a in table}
    assert {"id", "jobId", "planJobId", "serviceId"} <= names, table
    wrong = []
    for op, fname, arg in table:
        errors = await operation_errors(api, schema, op, fname, arg)
        error = errors[0]
        got = (error["extensions"].get("code"), error["extensions"].get("field"), error["message"].split(" ")[0])
        if got != ("BAD_USER_INPUT", arg, arg):
            wrong.append((f"{op}.{fname}({arg})", got, error["message"]))
    assert not wrong, wrong


async def test_form_fields_are_named_by_their_path_in_the_input(api: Api) -> None:
    create = "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }"
    given = {"catalogEntryId": "static-site", "target": "local", "name": "s", "variables": {"title": "t", "port": "x"}}
    error = (await api.errors(create, i=given)).errors[0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.variables.port"}
    assert error["message"].startswith("input.variables.port: "), error["message"]

    error = (await api.errors(create, i={**given, "target": "mars", "variables": {"title": "t"}})).errors[0]
    assert error["extensions"]["field"] == "input.target", error
    error = (await api.errors(create, i={**given, "name": " "})).errors[0]
    assert (error["extensions"]["field"], error["message"].split(":")[0]) == ("input.name", "input.name")
    error = (await api.errors(create, i={**given, "catalogEntryId": "nope"})).errors[0]
    assert error["extensions"]["field"] == "input.catalogEntryId", error

    service = await api.create_site("named", free_port())
    update = "mutation($id: ID!, $i: UpdateServiceInput!) { updateService(id: $id, input: $i) { id } }"
    error = (await api.errors(update, id=service["id"], i={"variables": {"port": 1}})).errors[0]
    assert error["extensions"]["field"] == "input.variables.port", error
    error = (await api.errors(update, id=service["id"], i={"driftCheckInterval": -1})).errors[0]
    assert error["extensions"]["field"] == "input.driftCheckInterval", error


COERCIONS = [
    # (query, variables, the field the error must name)
    ("query($n: Int) { services(first: $n) { edges { cursor } } }", {"n": "abc"}, "n"),
    ('query { services(first: "abc") { edges { cursor } } }', {}, "first"),
    ("query($id: ID!) { job(id: $id) { id } }", {"id": 5.5}, "id"),
    ("query($id: ID!) { job(id: $id) { id } }", {}, "id"),
    (
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
        {"i": {"catalogEntryId": "static-site", "target": "local", "name": 5}},
        "i.name",
    ),
    (
        'mutation { createService(input: {catalogEntryId: "static-site", target: "local", name: 5}) { id } }',
        {},
        "input.name",
    ),
    ('mutation { createService(input: {catalogEntryId: "static-site", target: "local"}) { id } }', {}, "input"),
]


@pytest.mark.parametrize("query,variables,field", COERCIONS, ids=[c[2] + "-" + str(i) for i, c in enumerate(COERCIONS)])
async def test_graphql_coercion_errors_name_the_argument(api: Api, query: str, variables: dict, field: str) -> None:
    error = (await api.errors(query, **variables)).errors[0]
    assert error["extensions"].get("code") == "BAD_USER_INPUT", error
    assert error["extensions"].get("field") == field, error
