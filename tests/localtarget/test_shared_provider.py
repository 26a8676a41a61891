"""Drift checks reattach to one `spawnit` provider per SpawnIt process: a check finds drift
through it (a killed service process), and a killed provider is started again by the next
check, which succeeds. Other jobs have a provider of their own (test_job_provider.py)."""

from __future__ import annotations

import os
import signal

from tests.api.client import Api
from tests.drift.conftest import deployed_site, service_state
from tests.server import Running, Start


async def check(api: Api, service_id: str) -> dict:
    job = await api.run("mutation($id: ID!) { checkDrift(id: $id) { id } }", id=service_id)
    return await api.wait_job(job["checkDrift"]["id"])


def shared_pid(spawnit: Running) -> int | None:
    return spawnit.spawnit.runner._steps.providers.pid  # type: ignore[no-any-return]


async def test_checks_share_one_provider_that_comes_back_after_a_crash(start: Start) -> None:
    spawnit = await start()
    api = spawnit.api
    service, _ = await deployed_site(api, "shared")
    assert shared_pid(spawnit) is None  # the apply had a provider of its own
    assert (await check(api, service["id"]))["state"] == "SUCCEEDED"
    first = shared_pid(spawnit)
    assert first is not None
    assert (await check(api, service["id"]))["state"] == "SUCCEEDED"
    assert shared_pid(spawnit) == first  # the same provider for the next check
    assert (await service_state(api, service["id"]))["drift"]["status"] == "IN_SYNC"

    os.kill(first, signal.SIGKILL)  # a provider crash
    assert (await check(api, service["id"]))["state"] == "SUCCEEDED"
    second = shared_pid(spawnit)
    assert second is not None and second != first

    state = await service_state(api, service["id"])
    os.kill(int(state["outputs"]["pid"]), signal.SIGKILL)  # real drift, seen through the shared provider
    assert (await check(api, service["id"]))["state"] == "SUCCEEDED"
    assert (await service_state(api, service["id"]))["drift"]["status"] == "DRIFTED"
    assert shared_pid(spawnit) == second
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
