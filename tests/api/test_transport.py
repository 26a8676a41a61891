"""The transports integrators use: GraphiQL on GET, both websocket protocols,
errors on subscriptions."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.api.client import JOB_FIELDS, LEGACY_WS, TRANSPORT_WS, Api, GraphQLErrors
from tests.conftest import free_port
from tests.server import Running


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
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False)), "an update that changed nothing was sent"
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


async def test_log_batches_carry_the_whole_log_in_bounded_messages(api: Api) -> None:
    service = await api.create_site("batches", free_port())
    job = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    stored = [l["number"] for l in await api.logs(job["id"])]
    batches = [
        [l["number"] for l in item["jobLogBatches"]]
        async for item in api.subscribe(
            "subscription($id: ID!) { jobLogBatches(jobId: $id, fromLine: 0, maxLines: 3) { number } }", id=job["id"]
        )
    ]
    assert [n for b in batches for n in b] == stored
    assert all(1 <= len(b) <= 3 for b in batches)


async def test_a_subscriber_that_leaves_is_forgotten_at_once(start, tmp_path) -> None:
    from app.bus import job_topic
    from tests.api.catalogs import with_slow_entry
    from tests.api.test_jobs import applying_slowly

    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    api = spawnit.api
    service, apply = await applying_slowly(api)  # a job that goes on while we leave
    bus = spawnit.spawnit.bus
    for query in (
        "subscription($id: ID!) { jobLogs(jobId: $id) { number } }",
        "subscription($id: ID!) { jobLogBatches(jobId: $id) { number } }",
        "subscription($id: ID!) { jobUpdates(jobId: $id) { state } }",
    ):
        async for _ in api.subscribe(query, id=apply["id"]):
            break
        for _ in range(100):
            if bus.subscribers(job_topic(apply["id"])) == 0:
                break
            await asyncio.sleep(0.02)
        assert bus.subscribers(job_topic(apply["id"])) == 0, query
    await api.run("mutation($id: ID!) { cancelJob(id: $id) { id } }", id=apply["id"])
    assert (await api.wait_job(apply["id"]))["state"] == "CANCELED"
