"""Over a real server: a service whose variables changed since its apply says so."""

from __future__ import annotations

import httpx

from tests.api.client import Api
from tests.conftest import free_port

SERVICE = "query($id: ID!) { service(id: $id) { status pendingChanges variables } }"


async def test_update_then_apply(api: Api) -> None:
    port = free_port()
    site = await api.create_site("First", port)
    assert (await api.run(SERVICE, id=site["id"]))["service"]["pendingChanges"] is False
    applied = await api.wait_job((await api.mutate_job("applyService", site["id"]))["id"])
    assert applied["state"] == "SUCCEEDED"
    assert (await api.run(SERVICE, id=site["id"]))["service"] | {"variables": None} == {
        "status": "DEPLOYED",
        "pendingChanges": False,
        "variables": None,
    }

    await api.run(
        'mutation($id: ID!) { updateService(id: $id, input: {variables: {title: "Second"}}) { id } }', id=site["id"]
    )
    service = (await api.run(SERVICE, id=site["id"]))["service"]
    assert (service["status"], service["pendingChanges"]) == ("CHANGED", True)
    assert "First" in httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text  # still the applied one

    # the same values again change nothing
    await api.run(
        'mutation($id: ID!) { updateService(id: $id, input: {variables: {title: "Second"}}) { id } }', id=site["id"]
    )
    again = await api.wait_job((await api.mutate_job("applyService", site["id"]))["id"])
    assert again["state"] == "SUCCEEDED"
    service = (await api.run(SERVICE, id=site["id"]))["service"]
    assert (service["status"], service["pendingChanges"]) == ("DEPLOYED", False)
    assert "Second" in httpx.get(f"http://127.0.0.1:{port}/", timeout=5).text
    done = await api.wait_job((await api.mutate_job("destroyService", site["id"]))["id"])
    assert done["state"] == "SUCCEEDED"
