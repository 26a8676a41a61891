"""Drift tests: SpawnIt with a short drift interval, and a collector of service events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from app.bus import tenant_topic
from tests.api.client import Api
from tests.conftest import free_port
from tests.server import Running, Start

INTERVAL = 2.0
JITTER = 0.5

EVENTS = """subscription($id: ID) {
  serviceEvents(serviceId: $id) { serviceId kind old new at jobId resources { address action } }
}"""


class Events:
    """Service events received so far, from a subscription opened before the test acts."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.arrived = asyncio.Event()

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.items if e["kind"] == kind]

    async def wait_for(self, kind: str, new: str, timeout: float) -> dict:
        async def find() -> dict:
            while True:
                for event in self.of(kind):
                    if event["new"] == new:
                        return event
                self.arrived.clear()
                await self.arrived.wait()

        return await asyncio.wait_for(find(), timeout)


@contextlib.asynccontextmanager
async def watching(spawnit: Running, service_id: str | None = None) -> AsyncIterator[Events]:
    """Subscribe to serviceEvents; returns once the server holds the subscription."""
    events = Events()
    bus = spawnit.spawnit.bus
    tenant = (await spawnit.api.run("{ me { tenantId } }"))["me"]["tenantId"]
    before = bus.subscribers(tenant_topic(tenant))

    async def follow() -> None:
        async for item in spawnit.api.subscribe(EVENTS, id=service_id):
            events.items.append(item["serviceEvents"])
            events.arrived.set()

    task = asyncio.create_task(follow())
    while bus.subscribers(tenant_topic(tenant)) <= before:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield events
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


@pytest.fixture
async def drifting(start: Start) -> Running:
    return await start(drift_interval_seconds=INTERVAL, drift_jitter_seconds=JITTER, health_timeout_seconds=1.0)


async def deployed_site(api: Api, title: str = "drift") -> tuple[dict, dict]:
    service = await api.create_site(title, free_port())
    job = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
    assert job["state"] == "SUCCEEDED", job
    return service, job


SERVICE = """query($id: ID!) { service(id: $id) {
  status applied outputs
  drift { status checkedAt nextCheckAt since error resources { address action } }
  health { status checkedAt latencyMs detail }
  history { kind old new at }
} }"""


async def service_state(api: Api, service_id: str) -> dict:
    return (await api.run(SERVICE, id=service_id))["service"]
