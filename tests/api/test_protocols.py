"""Every operation on both websocket subprotocols (a stock gql client, and raw frames on
each), and a subscription sent over plain HTTP refused with a coded error."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
import websockets
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

from tests.api.client import LEGACY_WS, TRANSPORT_WS, Api
from tests.conftest import free_port

ME = "{ me { tenantId } }"
CREATE = """mutation($input: CreateServiceInput!) { createService(input: $input) { id name } }"""


def create_input(name: str) -> dict[str, Any]:
    variables = {"title": name, "port": free_port()}
    return {"input": {"catalogEntryId": "static-site", "target": "local", "name": name, "variables": variables}}


@pytest.mark.parametrize("offered", [None, [LEGACY_WS]], ids=["gql-defaults", "legacy-only"])
async def test_a_stock_gql_websocket_client_runs_queries_mutations_and_subscriptions(
    api: Api, offered: list[str] | None
) -> None:
    # gql's defaults offer graphql-ws first, then graphql-transport-ws
    transport = WebsocketsTransport(url=api.ws_url, subprotocols=offered)
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        if offered:
            assert transport.subprotocol == LEGACY_WS
        me = await session.execute(gql(ME))
        assert me["me"]["tenantId"]
        created = (await session.execute(gql(CREATE), variable_values=create_input("stock")))["createService"]
        assert created["name"] == "stock"
        plan = await session.execute(
            gql("mutation($id: ID!) { planService(id: $id) { id } }"), variable_values={"id": created["id"]}
        )
        states = [
            item["jobUpdates"]["state"]
            async for item in session.subscribe(
                gql("subscription($id: ID!) { jobUpdates(jobId: $id) { state } }"),
                variable_values={"id": plan["planService"]["id"]},
            )
        ]
    assert states[-1] == "SUCCEEDED"


async def _raw_operation(api: Api, protocol: str, query: str, variables: dict[str, Any] | None = None) -> list[dict]:
    """One operation over a raw websocket on `protocol`: every message up to `complete`."""
    start = "subscribe" if protocol == TRANSPORT_WS else "start"
    async with websockets.connect(api.ws_url, subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == protocol
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": query, "variables": variables or {}}
        await ws.send(json.dumps({"type": start, "id": "1", "payload": payload}))
        messages = []
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "ka":
                continue
            messages.append(message)
            if message["type"] in ("complete", "error"):
                return messages


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_raw_frames_run_every_operation_on_each_protocol(api: Api, protocol: str) -> None:
    data = "next" if protocol == TRANSPORT_WS else "data"
    query = await _raw_operation(api, protocol, ME)
    assert [m["type"] for m in query] == [data, "complete"], query
    assert query[0]["payload"]["data"]["me"]["tenantId"]

    mutation = await _raw_operation(api, protocol, CREATE, create_input(f"raw-{len(protocol)}"))
    assert [m["type"] for m in mutation] == [data, "complete"], mutation
    service_id = mutation[0]["payload"]["data"]["createService"]["id"]

    plan = await _raw_operation(api, protocol, "mutation($id: ID!) { planService(id: $id) { id } }", {"id": service_id})
    job_id = plan[0]["payload"]["data"]["planService"]["id"]
    updates = await _raw_operation(
        api, protocol, "subscription($id: ID!) { jobUpdates(jobId: $id) { state } }", {"id": job_id}
    )
    assert [m["type"] for m in updates][-1] == "complete"
    assert updates[-2]["payload"]["data"]["jobUpdates"]["state"] == "SUCCEEDED"

    bad = await _raw_operation(api, protocol, "query($id: ID!) { job(id: $id) { id } }", {"id": "nope"})
    assert bad[0]["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", bad


async def test_a_subscription_over_http_says_to_use_a_websocket(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(
            api.url, json={"query": 'subscription { jobUpdates(jobId: "00000000-0000-0000-0000-000000000000") { id } }'}
        )
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0]["message"].startswith("subscriptions need a websocket: ")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "a traceback was logged"
