"""`deleteService(id, destroy: true)` destroys a deployed service and deletes it in one
call, the answer naming the DESTROY job to follow; without `destroy` a deployed service
is still refused. A real server, the local target, a real site answering HTTP."""

from __future__ import annotations

import urllib.request

from app.storage import keys
from tests.api.test_lifecycle import http_get, refuses
from tests.conftest import free_port
from tests.server import Running

DELETE = """mutation($id: ID!, $destroy: Boolean!) {
  deleteService(id: $id, destroy: $destroy) { id status deletion { id kind state } }
}"""


async def deployed_site(api, title: str) -> tuple[str, str]:
    service = await api.create_site(title, free_port())
    assert (await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"]))["state"] == "SUCCEEDED"
    svc = await api.run("query($id: ID!) { service(id: $id) { outputs } }", id=service["id"])
    endpoint = svc["service"]["outputs"]["endpoint"]
    assert title in http_get(endpoint)
    return service["id"], endpoint


async def test_delete_with_destroy_destroys_then_deletes(spawnit_any_store: Running) -> None:
    api = spawnit_any_store.api
    service_id, endpoint = await deployed_site(api, "Delete me")

    refused = await api.errors(DELETE, id=service_id, destroy=False)
    assert refused.codes == ["CONFLICT"] and "destroy it first" in refused.errors[0]["message"]
    assert "Delete me" in http_get(endpoint)  # the refusal changed nothing

    answer = (await api.run(DELETE, id=service_id, destroy=True))["deleteService"]
    assert answer["id"] == service_id and answer["status"] == "DESTROYING"
    job = answer["deletion"]
    assert job["kind"] == "DESTROY" and job["state"] in ("QUEUED", "RUNNING")
    again = await api.errors(DELETE, id=service_id, destroy=True)
    assert again.codes == ["CONFLICT"] and job["id"] in again.errors[0]["message"]

    final = await api.wait_job(job["id"])
    assert final["state"] == "SUCCEEDED", final
    assert refuses(endpoint)
    gone = await api.errors("query($id: ID!) { service(id: $id) { id } }", id=service_id)
    assert gone.codes == ["NOT_FOUND"]
    tenant = (await api.run("{ me { tenantId } }"))["me"]["tenantId"]
    assert await spawnit_any_store.spawnit.store.keys_under(keys.service_prefix(tenant, service_id)) == []
    listed = await api.run("{ services(first: 20) { edges { node { id } } } }")
    assert service_id not in [e["node"]["id"] for e in listed["services"]["edges"]]


async def test_a_failed_destroy_keeps_the_service(spawnit: Running) -> None:
    """The destroy is canceled before it ran: nothing was destroyed, nothing is deleted."""
    api = spawnit.api
    service_id, endpoint = await deployed_site(api, "Keep me")
    blocker = await api.mutate_job("planService", service_id)  # the destroy queues behind it
    answer = (await api.run(DELETE, id=service_id, destroy=True))["deleteService"]
    await api.run("mutation($id: ID!) { cancelJob(id: $id) { id } }", id=answer["deletion"]["id"])
    assert (await api.wait_job(answer["deletion"]["id"]))["state"] == "CANCELED"
    await api.wait_job(blocker["id"])
    svc = await api.run("query($id: ID!) { service(id: $id) { status deletion { id } } }", id=service_id)
    assert svc["service"] == {"status": "DEPLOYED", "deletion": None}
    with urllib.request.urlopen(endpoint, timeout=5) as page:
        assert page.status == 200
    await api.wait_job((await api.mutate_job("destroyService", service_id))["id"])
