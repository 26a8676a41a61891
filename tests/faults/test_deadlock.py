"""A user's job submitted while a drift check of the same service is queued: the queued
check is preempted without the lock the submission holds, the submission answers, every
job ends, and the service can still be updated and destroyed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.api.catalogs import with_slow_entry
from tests.faults.slow import applied_then_busy, calm_down
from tests.server import Start


async def test_a_job_submitted_while_a_check_is_queued_answers_and_everything_ends(
    start: Start, tmp_path: Path
) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), drift_interval_seconds=0)
    api = spawnit.api
    service, busy = await applied_then_busy(api)
    check = (await api.run("mutation($id: ID!) { checkDrift(id: $id) { id state } }", id=service["id"]))["checkDrift"]
    assert check["state"] == "QUEUED", check  # behind the running apply
    # the bound only turns a hang into a failure: the answer comes in milliseconds
    plan = await asyncio.wait_for(api.mutate_job("planService", service["id"]), 60)
    assert plan["state"] == "QUEUED", plan
    assert (await api.job(check["id"]))["state"] == "CANCELED"  # it yielded to the user's plan
    await api.run("mutation($id: ID!) { cancelJob(id: $id) { id } }", id=busy["id"])
    finals = await asyncio.gather(*(api.wait_job(j["id"], timeout=120) for j in (busy, check, plan)))
    assert [j["state"] for j in finals] == ["CANCELED", "CANCELED", "SUCCEEDED"], finals
    await asyncio.wait_for(calm_down(api, service), 240)  # update, apply, destroy all answer
