"""A slow-site service that is applied, and a second apply of it that is still creating
its process (it listens only after a long delay): the service is busy, for as long as
the test wants."""

from __future__ import annotations

from typing import Any

from tests.api.client import Api
from tests.conftest import free_port

LOGS = "subscription($id: ID!) { jobLogs(jobId: $id, fromLine: 0) { number text } }"
UPDATE = "mutation($id: ID!, $v: JSON) { updateService(id: $id, input: {variables: $v}) { id variables } }"


async def creating(api: Api, job_id: str) -> None:
    """Once the engine of `job_id` is creating the service's process."""
    async for item in api.subscribe(LOGS, id=job_id):
        if "Creating..." in item["jobLogs"]["text"]:
            return
    raise AssertionError(f"job {job_id} ended before it created anything")


async def applied_then_busy(api: Api, name: str = "busy") -> tuple[dict[str, Any], dict[str, Any]]:
    """An applied slow-site service and its second apply, running (creating)."""
    service = await api.create("slow-site", name, port=free_port(), delay=0)
    first = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
    assert first["state"] == "SUCCEEDED", first
    await api.run(UPDATE, id=service["id"], v={"delay": 120})
    second = await api.mutate_job("applyService", service["id"])
    await creating(api, second["id"])
    return service, second


async def calm_down(api: Api, service: dict[str, Any]) -> None:
    """Back to a service that applies at once, then destroyed."""
    await api.run(UPDATE, id=service["id"], v={"delay": 0})
    applied = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
    assert applied["state"] == "SUCCEEDED", applied
    destroyed = await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
    assert destroyed["state"] == "SUCCEEDED", destroyed
