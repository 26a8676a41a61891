"""Limits: an over-deep query, an alias bomb, an oversized body, too many jobs at once,
introspection and GraphiQL switched off. The server stays responsive."""

from __future__ import annotations

import httpx

from tests.api.client import Api
from tests.server import Running, Start


async def post(spawnit: Running, body: bytes | dict) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        if isinstance(body, dict):
            return await client.post(f"{spawnit.url}/graphql", json=body)
        return await client.post(f"{spawnit.url}/graphql", content=body, headers={"content-type": "application/json"})


async def still_answers(spawnit: Running) -> None:
    assert (await spawnit.api.run("{ me { tenantId } }"))["me"]["tenantId"]


async def test_an_over_deep_query_is_refused(spawnit: Running) -> None:
    inner = "id"
    for _ in range(8):
        inner = f"jobs {{ edges {{ node {{ service {{ {inner} }} }} }} }}"
    response = await post(spawnit, {"query": f"{{ services {{ edges {{ node {{ {inner} }} }} }} }}"})
    data = response.json()
    assert response.status_code in (200, 400) and data["errors"]
    assert "depth" in data["errors"][0]["message"].lower()
    assert data["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    await still_answers(spawnit)


async def test_an_alias_bomb_is_refused(spawnit: Running) -> None:
    bomb = " ".join(f"a{i}: catalog {{ id fields {{ name }} }}" for i in range(40))
    data = (await post(spawnit, {"query": "{ " + bomb + " }"})).json()
    assert data["errors"] and data["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "alias" in data["errors"][0]["message"].lower()
    await still_answers(spawnit)


async def test_too_many_tokens_are_refused(spawnit: Running) -> None:
    query = "{ me { " + " ".join(["tenantId"] * 3000) + " } }"
    data = (await post(spawnit, {"query": query})).json()
    assert data["errors"] and "token" in data["errors"][0]["message"].lower()
    assert data["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    await still_answers(spawnit)


async def test_an_oversized_body_is_refused(spawnit: Running) -> None:
    body = b'{"query": "{ me { tenantId } }", "variables": {"x": "' + b"a" * (400 * 1024) + b'"}}'
    response = await post(spawnit, body)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    await still_answers(spawnit)


async def test_a_tenant_has_a_limit_of_jobs_at_once(start: Start) -> None:
    spawnit = await start(max_jobs_per_tenant=2)
    api: Api = spawnit.api
    service = await api.create_site("limited", 20030)
    first = await api.mutate_job("planService", service["id"])
    second = await api.mutate_job("planService", service["id"])
    refused = await api.errors("mutation($id: ID!) { planService(id: $id) { id } }", id=service["id"])
    assert refused.codes == ["LIMIT_EXCEEDED"]
    for job in (first, second):
        await api.wait_job(job["id"])
    assert (await api.wait_job((await api.mutate_job("planService", service["id"]))["id"]))["state"] == "SUCCEEDED"


async def test_introspection_and_graphiql_can_be_switched_off(start: Start) -> None:
    spawnit = await start(introspection=False, graphiql=False)
    data = (await post(spawnit, {"query": "{ __schema { queryType { name } } }"})).json()
    assert data["errors"] and "introspection" in data["errors"][0]["message"].lower()
    async with httpx.AsyncClient() as client:
        page = await client.get(f"{spawnit.url}/graphql", headers={"accept": "text/html"})
    assert page.status_code != 200 or "graphiql" not in page.text.lower()
    await still_answers(spawnit)
