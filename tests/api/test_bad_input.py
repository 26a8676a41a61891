"""Bad input answers with the right code and a message naming the field; nothing is written."""

from __future__ import annotations

import uuid

import pytest

from app.storage import keys
from tests.api.client import Api
from tests.server import Running

CREATE = "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }"


def site(**variables: object) -> dict:
    return {"catalogEntryId": "static-site", "target": "local", "name": "s", "variables": {"title": "t", **variables}}


BAD_CREATES = [
    ("unknown entry", {**site(), "catalogEntryId": "no-such-thing"}, "catalogEntryId"),
    ("unknown target", {**site(), "target": "mars"}, "target"),
    ("missing required", {**site(), "variables": {"port": 9000}}, "title"),
    ("wrong type", site(port="eighty"), "port"),
    ("float for integer", site(port=8080.5), "port"),
    ("bool for integer", site(port=True), "port"),
    ("below bounds", site(port=80), "port"),
    ("above bounds", site(port=70000), "port"),
    ("too long", site(title="x" * 201), "title"),
    ("empty string under min", site(title=""), "title"),
    ("unknown variable", site(colour="red"), "colour"),
    ("variables not an object", {**site(), "variables": [1, 2]}, "variables"),
    ("empty name", {**site(), "name": "  "}, "name"),
    (
        "not in options",
        {"catalogEntryId": "redis", "target": "local", "name": "r", "variables": {"appendonly": "maybe"}},
        "appendonly",
    ),
]


@pytest.mark.parametrize("case,given,field", BAD_CREATES, ids=[c[0] for c in BAD_CREATES])
async def test_bad_create_names_the_field_and_writes_nothing(
    spawnit: Running, case: str, given: dict, field: str
) -> None:
    api = spawnit.api
    errors = await api.errors(CREATE, i=given)
    assert errors.codes == ["BAD_USER_INPUT"], errors.errors
    message = errors.errors[0]["message"]
    assert field in message, message
    assert "Traceback" not in message
    assert await spawnit.spawnit.store.keys_under(keys.CLIENTS) == []
    assert (await api.run("{ services(first: 10) { edges { node { id } } } }"))["services"]["edges"] == []


async def test_all_problems_of_a_form_are_reported_at_once(api: Api) -> None:
    errors = await api.errors(CREATE, i={**site(port=1, colour="red"), "variables": {"port": 1, "colour": "red"}})
    message = errors.errors[0]["message"]
    assert all(name in message for name in ("title", "port", "colour")), message


NOT_FOUND_OR_MALFORMED = [
    ("query($id: ID!) { service(id: $id) { id } }", "service"),
    ("query($id: ID!) { job(id: $id) { id } }", "job"),
    ("mutation($id: ID!) { planService(id: $id) { id } }", "planService"),
    ("mutation($id: ID!) { applyService(id: $id) { id } }", "applyService"),
    ("mutation($id: ID!) { destroyService(id: $id) { id } }", "destroyService"),
    ("mutation($id: ID!) { deleteService(id: $id) { id } }", "deleteService"),
    ("mutation($id: ID!) { cancelJob(id: $id) { id } }", "cancelJob"),
    ('mutation($id: ID!) { updateService(id: $id, input: {name: "x"}) { id } }', "updateService"),
]


@pytest.mark.parametrize("query,name", NOT_FOUND_OR_MALFORMED, ids=[n for _, n in NOT_FOUND_OR_MALFORMED])
async def test_malformed_id_is_bad_input_and_unknown_id_is_not_found(api: Api, query: str, name: str) -> None:
    for malformed in ("nope", "../../etc/passwd", "{" + str(uuid.uuid4()) + "}", ""):
        errors = await api.errors(query, id=malformed)
        assert errors.codes == ["BAD_USER_INPUT"], (malformed, errors.errors)
        assert "id" in errors.errors[0]["message"]
    errors = await api.errors(query, id=str(uuid.uuid4()))
    assert errors.codes == ["NOT_FOUND"], errors.errors


async def test_graphql_level_mistakes_are_the_callers(api: Api) -> None:
    assert (await api.errors("{ services(first: 1000) { edges { cursor } } }")).codes == ["BAD_USER_INPUT"]
    assert (await api.errors('{ services(first: 1, after: "garbage") { edges { cursor } } }')).codes == [
        "BAD_USER_INPUT"
    ]
    assert (await api.errors("{ nope }")).codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert (await api.errors("query($n: Int!) { services(first: $n) { edges { cursor } } }", n="x")).codes == [
        "BAD_USER_INPUT"
    ]


async def test_plan_job_id_of_nothing_or_of_another_service(api: Api) -> None:
    a = await api.create_site("a", 20001)
    b = await api.create_site("b", 20002)
    errors = await api.errors(
        "mutation($id: ID!, $p: ID) { applyService(id: $id, planJobId: $p) { id } }", id=a["id"], p="bad"
    )
    assert errors.codes == ["BAD_USER_INPUT"] and "planJobId" in errors.errors[0]["message"]
    errors = await api.errors(
        "mutation($id: ID!, $p: ID) { applyService(id: $id, planJobId: $p) { id } }", id=a["id"], p=str(uuid.uuid4())
    )
    assert errors.codes == ["NOT_FOUND"]
    plan_b = await api.wait_job((await api.mutate_job("planService", b["id"]))["id"])
    errors = await api.errors(
        "mutation($id: ID!, $p: ID) { applyService(id: $id, planJobId: $p) { id } }", id=a["id"], p=plan_b["id"]
    )
    assert errors.codes == ["BAD_USER_INPUT"]


async def test_bad_update_leaves_the_service_unchanged(api: Api) -> None:
    svc = await api.create_site("before", 20003)
    errors = await api.errors(
        "mutation($id: ID!, $v: JSON) { updateService(id: $id, input: {variables: $v}) { id } }",
        id=svc["id"],
        v={"port": 1},
    )
    assert errors.codes == ["BAD_USER_INPUT"] and "port" in errors.errors[0]["message"]
    after = (await api.run("query($id: ID!) { service(id: $id) { variables } }", id=svc["id"]))["service"]
    assert after["variables"]["port"] == 20003 and after["variables"]["title"] == "before"
    ok = await api.run(
        'mutation($id: ID!, $v: JSON) { updateService(id: $id, input: {name: "renamed", variables: $v}) { name variables } }',
        id=svc["id"],
        v={"title": "after"},
    )
    assert ok["updateService"] == {
        "name": "renamed",
        "variables": {"title": "after", "message": "Deployed with SpawnIt", "port": 20003},
    }


async def test_delete_is_refused_while_resources_exist(api: Api) -> None:
    from tests.conftest import free_port

    svc = await api.create_site("keep", free_port())
    assert (await api.wait_job((await api.mutate_job("applyService", svc["id"]))["id"]))["state"] == "SUCCEEDED"
    errors = await api.errors("mutation($id: ID!) { deleteService(id: $id) { id } }", id=svc["id"])
    assert errors.codes == ["CONFLICT"] and "destroy" in errors.errors[0]["message"]
    await api.wait_job((await api.mutate_job("destroyService", svc["id"]))["id"])
    await api.run("mutation($id: ID!) { deleteService(id: $id) { id } }", id=svc["id"])
    assert (await api.errors("query($id: ID!) { service(id: $id) { id } }", id=svc["id"])).codes == ["NOT_FOUND"]
