"""The whole path on the `local` target, through uvicorn and a real GraphQL client."""

from __future__ import annotations

import asyncio
import json
import urllib.request

from app.services.model import state_resources
from app.storage import keys
from tests.api.client import Api
from tests.conftest import free_port
from tests.server import Running


def http_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def refuses(url: str) -> bool:
    try:
        http_get(url)
    except OSError:
        return True
    return False


async def test_catalog_lists_the_static_site_with_its_form(api: Api) -> None:
    data = await api.run(
        "{ catalog { id name targets availableTargets fields { name type required default min max options sensitive description } } }"
    )
    entries = {e["id"]: e for e in data["catalog"]}
    site = entries["static-site"]
    assert "local" in site["availableTargets"]
    title = next(f for f in site["fields"] if f["name"] == "title")
    assert title["type"] == "STRING" and title["required"] is True and title["max"] == 200
    port = next(f for f in site["fields"] if f["name"] == "port")
    assert port["type"] == "INTEGER" and port["default"] == 8080 and port["min"] == 1024


async def test_whole_path_on_local(spawnit_any_store: Running) -> None:
    api = spawnit_any_store.api
    port = free_port()
    service = await api.create_site("Hello from the tests", port, message="made by <b>the form</b>")
    assert service["status"] == "DRAFT"

    apply = await api.mutate_job("applyService", service["id"])
    assert apply["kind"] == "APPLY" and apply["state"] in ("QUEUED", "RUNNING")

    # subscribe while the apply runs: lines arrive before the job ends
    received: list[dict] = []
    ended_seen_at = None

    async def follow_logs() -> None:
        async for item in api.subscribe(
            "subscription($id: ID!) { jobLogs(jobId: $id, fromLine: 0) { number text } }", id=apply["id"]
        ):
            received.append(item["jobLogs"])

    logs_task = asyncio.create_task(follow_logs())
    final = await api.wait_job(apply["id"])
    ended_seen_at = len(received)
    await asyncio.wait_for(logs_task, 30)
    assert final["state"] == "SUCCEEDED", final
    assert ended_seen_at > 0, "no log line reached the subscriber before the job ended"
    assert [l["number"] for l in received] == list(range(len(received)))
    assert any("Apply complete" in l["text"] for l in received)
    assert final["summary"] == {"add": 1, "change": 0, "destroy": 0}
    assert final["progress"]["done"] == final["progress"]["total"] == 1

    svc = (await api.run("query($id: ID!) { service(id: $id) { status applied outputs } }", id=service["id"]))[
        "service"
    ]
    assert svc["status"] == "DEPLOYED" and svc["applied"] is True
    endpoint = svc["outputs"]["endpoint"]
    assert endpoint == f"http://127.0.0.1:{port}/"
    page = http_get(endpoint)
    assert "<h1>Hello from the tests</h1>" in page and "made by <b>the form</b>" in page

    destroy = await api.mutate_job("destroyService", service["id"])
    final = await api.wait_job(destroy["id"])
    assert final["state"] == "SUCCEEDED", final
    assert refuses(endpoint)
    store = spawnit_any_store.spawnit.store
    tenant = (await api.run("{ me { tenantId } }"))["me"]["tenantId"]
    state = await store.get(keys.state(tenant, service["id"]))
    assert state is not None and json.loads(state)["serial"] > 0
    assert state_resources(state) == 0
    svc = (await api.run("query($id: ID!) { service(id: $id) { status outputs } }", id=service["id"]))["service"]
    assert svc["status"] == "DESTROYED" and svc["outputs"] == {}

    # plan, then apply exactly that plan; the same plan cannot be applied twice
    plan = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    assert plan["state"] == "SUCCEEDED" and plan["hasChanges"] is True
    assert plan["summary"] == {"add": 1, "change": 0, "destroy": 0}
    applied = await api.mutate_job("applyService", service["id"], planJobId=plan["id"])
    assert applied["planJobId"] == plan["id"]
    assert (await api.wait_job(applied["id"]))["state"] == "SUCCEEDED"
    assert "Hello from the tests" in http_get(endpoint)
    again = await api.errors(
        "mutation($id: ID!, $p: ID) { applyService(id: $id, planJobId: $p) { id } }", id=service["id"], p=plan["id"]
    )
    assert again.codes == ["CONFLICT"]

    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
    assert refuses(endpoint)
    deleted = await api.run("mutation($id: ID!) { deleteService(id: $id) { id } }", id=service["id"])
    assert deleted["deleteService"]["id"] == service["id"]
    assert await store.keys_under(keys.service_prefix(tenant, service["id"])) == []
