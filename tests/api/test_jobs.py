"""Jobs through the API: late subscribers, cancel, queueing on one service."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.api.catalogs import with_slow_entry
from tests.api.client import LEGACY_WS, TRANSPORT_WS, Api
from tests.conftest import free_port
from tests.server import Start

LOGS = "subscription($id: ID!, $from: Int!) { jobLogs(jobId: $id, fromLine: $from) { number text } }"


async def collect(api: Api, job_id: str, from_line: int = 0, protocol: str = TRANSPORT_WS) -> list[dict]:
    return [item["jobLogs"] async for item in api.subscribe(LOGS, protocol=protocol, id=job_id, **{"from": from_line})]


async def applying_slowly(api: Api) -> tuple[dict, dict]:
    """A slow-site service and its apply job, once the engine is creating the process."""
    service = await api.create("slow-site", "slow", port=free_port())
    apply = await api.mutate_job("applyService", service["id"])
    async for item in api.subscribe(LOGS, id=apply["id"], **{"from": 0}):
        if "Creating..." in item["jobLogs"]["text"]:
            break
    return service, apply


async def test_a_late_subscriber_gets_the_whole_log_and_completion(api: Api) -> None:
    service = await api.create_site("late", free_port())
    job = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    assert job["state"] == "SUCCEEDED"
    stored = await api.logs(job["id"])
    assert len(stored) > 3
    for protocol in (TRANSPORT_WS, LEGACY_WS):
        lines = await asyncio.wait_for(collect(api, job["id"], 0, protocol), 10)
        assert lines == [{"number": l["number"], "text": l["text"]} for l in stored]
    tail = await asyncio.wait_for(collect(api, job["id"], 3), 10)
    assert [l["number"] for l in tail] == list(range(3, len(stored)))
    assert await asyncio.wait_for(collect(api, job["id"], len(stored) + 10), 10) == []


async def test_cancel_during_apply_ends_canceled_within_grace_and_state_stays_usable(
    start: Start, tmp_path: Path
) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), cancel_grace_seconds=8)
    api = spawnit.api
    service, apply = await applying_slowly(api)
    canceled = await api.run("mutation($id: ID!) { cancelJob(id: $id) { state cancelRequested } }", id=apply["id"])
    assert canceled["cancelJob"]["cancelRequested"] is True
    final = await api.wait_job(apply["id"])
    assert final["state"] == "CANCELED", final
    # not killed at the end of the grace period: SIGINT alone stopped it, within it
    assert final["forced"] is False, "the engine had to be killed: SIGINT did not stop it"
    # the state is usable: the next plan works and still wants to create the process
    plan = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    assert plan["state"] == "SUCCEEDED" and plan["hasChanges"] is True, plan


async def test_force_cancel_kills_the_engine(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    api = spawnit.api
    service, apply = await applying_slowly(api)
    await api.run("mutation($id: ID!) { cancelJob(id: $id, force: true) { id } }", id=apply["id"])
    final = await api.wait_job(apply["id"], timeout=15)
    assert final["state"] == "CANCELED" and final["forced"] is True
    again = await api.errors("mutation($id: ID!) { cancelJob(id: $id) { id } }", id=apply["id"])
    assert again.codes == ["CONFLICT"]
    # the killed run could not record the process it had started; the next apply of the
    # service stops that stray before starting its own, and destroy leaves nothing behind
    await api.run(
        "mutation($id: ID!, $v: JSON) { updateService(id: $id, input: {variables: $v}) { id } }",
        id=service["id"],
        v={"delay": 0},
    )
    assert (await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"]))["state"] == "SUCCEEDED"
    assert (await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"]))["state"] == "SUCCEEDED"


async def test_ten_applies_on_one_service_run_one_after_another(api: Api) -> None:
    service = await api.create_site("ten", free_port())
    jobs = await asyncio.gather(*(api.mutate_job("applyService", service["id"]) for _ in range(10)))
    finals = await asyncio.gather(*(api.wait_job(j["id"], timeout=240) for j in jobs))
    assert all(j["state"] == "SUCCEEDED" for j in finals), [(j["state"], j["error"]) for j in finals]
    spans = sorted((j["startedAt"], j["finishedAt"]) for j in finals)
    for (_, end), (begin, _) in zip(spans, spans[1:], strict=False):
        assert end <= begin, "two jobs of one service overlapped"
    for job in finals:
        lines = [l["text"] for l in await api.logs(job["id"])]
        assert not [t for t in lines if t.startswith("Error") or "state lock" in t], lines
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])


async def test_a_queued_job_can_be_canceled_before_it_starts(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    api = spawnit.api
    service = await api.create("slow-site", "q", port=free_port(), delay=3)
    first = await api.mutate_job("applyService", service["id"])
    second = await api.mutate_job("planService", service["id"])
    assert second["state"] == "QUEUED"
    canceled = await api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=second["id"])
    assert canceled["cancelJob"]["state"] == "CANCELED"
    assert (await api.wait_job(first["id"]))["state"] == "SUCCEEDED"
    assert (await api.job(second["id"]))["startedAt"] is None
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
