"""The transports integrators use: GraphiQL on GET, both websocket protocols,
errors on subscriptions."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.api.client import JOB_FIELDS, LEGACY_WS, TRANSPORT_WS, Api, GraphQLErrors
from tests.server import Running
from tests.conftest import free_port


async def test_graphiql_is_served_on_get(spawnit: Running) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{spawnit.url}/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_job_updates_on_both_protocols(api: Api, protocol: str) -> None:
    service = await api.create_site("ws", free_port())
    job = await api.mutate_job("planService", service["id"])
    seen = [
        item["jobUpdates"]
        async for item in api.subscribe(
            f"subscription($id: ID!) {{ jobUpdates(jobId: $id) {{ {JOB_FIELDS} }} }}", protocol=protocol, id=job["id"]
        )
    ]
    states = [j["state"] for j in seen]
    assert states[-1] == "SUCCEEDED"
    assert "RUNNING" in states or states == ["SUCCEEDED"]
    assert all(a != b for a, b in zip(seen, seen[1:])), "an update that changed nothing was sent"
    phases = [j["phase"] for j in seen if j["phase"]]
    assert "PLAN" in phases


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_subscribing_to_nothing_is_not_found(api: Api, protocol: str) -> None:
    for query in (
        "subscription($id: ID!) { jobLogs(jobId: $id) { number } }",
        "subscription($id: ID!) { jobUpdates(jobId: $id) { id } }",
    ):
        with pytest.raises(GraphQLErrors) as caught:
            async for _ in api.subscribe(query, protocol=protocol, id=str(uuid.uuid4())):
                pass
        assert caught.value.codes == ["NOT_FOUND"]
        with pytest.raises(GraphQLErrors) as caught:
            async for _ in api.subscribe(query, protocol=protocol, id="not-a-uuid"):
                pass
        assert caught.value.codes == ["BAD_USER_INPUT"]


async def test_bad_from_line_is_bad_input(api: Api) -> None:
    service = await api.create_site("neg", free_port())
    job = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    with pytest.raises(GraphQLErrors) as caught:
        async for _ in api.subscribe(
            "subscription($id: ID!) { jobLogs(jobId: $id, fromLine: -1) { number } }", id=job["id"]
        ):
            pass
    assert caught.value.codes == ["BAD_USER_INPUT"]


async def test_many_live_subscribers_get_the_same_lines(api: Api) -> None:
    service = await api.create_site("many", free_port())
    job = await api.mutate_job("applyService", service["id"])

    async def follow() -> list[int]:
        return [
            item["jobLogs"]["number"]
            async for item in api.subscribe(
                "subscription($id: ID!) { jobLogs(jobId: $id, fromLine: 0) { number } }", id=job["id"]
            )
        ]

    results = await asyncio.wait_for(asyncio.gather(*(follow() for _ in range(20))), 60)
    stored = [l["number"] for l in await api.logs(job["id"])]
    assert all(r == stored for r in results)
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
