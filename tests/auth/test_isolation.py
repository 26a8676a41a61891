"""Tenant isolation, generated from the schema: every query, mutation and subscription
field that takes an id is called as tenant B with tenant A's ids, and must answer
NOT_FOUND and change nothing. A field added later is covered without touching this."""

from __future__ import annotations

import asyncio

from tests.api.client import Api, GraphQLErrors
from tests.issuer import AUDIENCE, Issuer
from tests.server import Running, Start

INTROSPECT = """{ __schema {
  queryType { name } mutationType { name } subscriptionType { name }
  types { name kind
    fields { name args { name defaultValue type { ...T } } type { ...T } }
    inputFields { name defaultValue type { ...T } } }
} }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"""

# fields that take an id but are not about a tenant's things
NOT_TENANT_OWNED = {("Query", "catalogEntry")}


def unwrap(t: dict) -> tuple[dict, bool]:
    required = t["kind"] == "NON_NULL"
    while t["kind"] in ("NON_NULL", "LIST"):
        t = t["ofType"]
    return t, required


def literal(t: dict, types: dict[str, dict], ids: str) -> str | None:
    """A GraphQL literal for a required argument of type `t`; `ids` for ID."""
    base, _ = unwrap(t)
    if base["name"] == "ID":
        return f'"{ids}"'
    if base["kind"] == "INPUT_OBJECT":
        fields = []
        for f in types[base["name"]]["inputFields"]:
            if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None:
                fields.append(f"{f['name']}: {literal(f['type'], types, ids)}")
        return "{" + ", ".join(fields) + "}"
    return {"String": '"x"', "Int": "0", "Float": "0", "Boolean": "false", "JSON": "{}"}.get(base["name"], '"x"')


def operations(schema: dict, ids: str) -> list[tuple[str, str, str]]:
    """(root kind, field, document) for every root field that takes an id."""
    types = {t["name"]: t for t in schema["types"]}
    out = []
    for kind, root in (
        ("query", schema["queryType"]),
        ("mutation", schema["mutationType"]),
        ("subscription", schema["subscriptionType"]),
    ):
        for field in types[root["name"]]["fields"]:
            if (root["name"], field["name"]) in NOT_TENANT_OWNED:
                continue
            if not any(unwrap(a["type"])[0]["name"] == "ID" for a in field["args"]):
                continue
            args = []
            for a in field["args"]:
                is_id = unwrap(a["type"])[0]["name"] == "ID"
                if is_id or (a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None):
                    args.append(f"{a['name']}: {literal(a['type'], types, ids)}")
            ret, _ = unwrap(field["type"])
            selection = " { __typename }" if ret["kind"] in ("OBJECT", "INTERFACE", "UNION") else ""
            out.append((kind, field["name"], f"{kind} {{ {field['name']}({', '.join(args)}){selection} }}"))
    return out


async def call(api: Api, kind: str, document: str) -> list[str]:
    try:
        if kind == "subscription":
            async for _ in api.subscribe(document):
                return ["DATA"]
            return ["COMPLETED"]
        await api.run(document)
        return ["DATA"]
    except GraphQLErrors as exc:
        return exc.codes


SNAPSHOT = """query($id: ID!) { service(id: $id) {
  name variables status updatedAt driftCheckInterval history { kind }
  jobs(first: 100) { edges { node { id state } } } } }"""


async def test_another_tenants_ids_are_not_found_everywhere(start: Start, issuer: Issuer) -> None:
    spawnit: Running = await start(
        oidc_issuer=issuer.url, oidc_audience=AUDIENCE, jwks_refresh_floor_seconds=0, local_target="tenants"
    )
    a = spawnit.api.as_(issuer.token("alice"))
    b = spawnit.api.as_(issuer.token("bob"))
    service = await a.create_site("alice's", 20020)
    job = await a.wait_job((await a.mutate_job("planService", service["id"]))["id"])
    before = await a.run(SNAPSHOT, id=service["id"])

    schema = (await a.run(INTROSPECT))["__schema"]
    tried = []
    for owned_id in (service["id"], job["id"]):
        for kind, name, document in operations(schema, owned_id):
            codes = await asyncio.wait_for(call(b, kind, document), 20)
            assert codes == ["NOT_FOUND"], (name, document, codes)
            tried.append(name)
    # the generator found the fields that matter (a sanity check, not the list of what is tested)
    for name in ("service", "job", "planService", "applyService", "deleteService", "cancelJob", "jobLogs"):
        assert name in tried
    assert await a.run(SNAPSHOT, id=service["id"]) == before, "tenant B changed tenant A's service"
