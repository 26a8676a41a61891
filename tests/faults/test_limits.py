"""Limits that hold under a crowd: the per-tenant job limit is checked and reserved in
one step (60 concurrent submissions, limit 20), and a service has at most one drift
check queued or running however often checkDrift is asked; drift checks do not grow
the job index."""

from __future__ import annotations

import asyncio
import os

from tests.api.client import Api, GraphQLErrors
from tests.conftest import free_port
from tests.faults.engines import freeze_the_next_engine
from tests.server import Start

LIMIT = 20


async def held_by_a_frozen_plan(api: Api, service_id: str) -> dict:
    """A plan of the service that never ends (its engine frozen before it writes
    anything) and holds the only job slot, until it is force-canceled."""
    plan = await api.mutate_job("planService", service_id)
    await freeze_the_next_engine(os.getpid())
    return plan


async def release(api: Api, plan: dict) -> None:
    await api.run("mutation($id: ID!) { cancelJob(id: $id, force: true) { id } }", id=plan["id"])
    assert (await api.wait_job(plan["id"]))["state"] == "CANCELED"


async def submit(api: Api, service_id: str) -> dict | str:
    try:
        return await api.mutate_job("planService", service_id)
    except GraphQLErrors as exc:
        return exc.codes[0]


async def test_sixty_concurrent_submissions_with_a_limit_of_twenty_accept_exactly_twenty(start: Start) -> None:
    spawnit = await start(max_jobs_per_tenant=LIMIT, max_parallel_jobs=1, drift_interval_seconds=0)
    api = spawnit.api
    watched = await api.create_site("watched", free_port(), name="watched")
    assert (await api.wait_job((await api.mutate_job("applyService", watched["id"]))["id"]))["state"] == "SUCCEEDED"
    holder = await api.create_site("holder", free_port(), name="holder")
    plan = await held_by_a_frozen_plan(api, holder["id"])  # one of the twenty, running
    services = await asyncio.gather(*(api.create_site(f"c{i}", free_port(), name=f"c{i}") for i in range(60)))
    answers = await asyncio.gather(*(submit(api, s["id"]) for s in services))
    accepted = [a for a in answers if isinstance(a, dict)]
    assert len(accepted) == LIMIT - 1 and all(a["state"] == "QUEUED" for a in accepted), answers
    assert {a for a in answers if isinstance(a, str)} == {"LIMIT_EXCEEDED"}, answers
    # a drift check asked for by the tenant counts in the same limit
    refused = await api.errors("mutation($id: ID!) { checkDrift(id: $id) { id } }", id=watched["id"])
    assert refused.codes == ["LIMIT_EXCEEDED"], refused.errors
    for job in accepted:
        await api.run("mutation($id: ID!) { cancelJob(id: $id) { id } }", id=job["id"])
    await release(api, plan)
    assert (await api.wait_job((await api.mutate_job("destroyService", watched["id"]))["id"]))["state"] == "SUCCEEDED"


async def test_checkdrift_asked_two_hundred_times_queues_one_check(start: Start) -> None:
    spawnit = await start(max_parallel_jobs=1, drift_interval_seconds=0)
    api = spawnit.api
    service = await api.create_site("drift", free_port())
    applied = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
    assert applied["state"] == "SUCCEEDED", applied
    plan = await held_by_a_frozen_plan(api, service["id"])
    answers = []
    for _ in range(200):
        try:
            answers.append(
                (await api.run("mutation($id: ID!) { checkDrift(id: $id) { id state } }", id=service["id"]))[
                    "checkDrift"
                ]
            )
        except GraphQLErrors as exc:
            answers.append(exc.codes[0])
    checks = [a for a in answers if isinstance(a, dict)]
    assert len(checks) == 1 and checks[0]["state"] == "QUEUED", checks
    assert answers[1:] == ["CONFLICT"] * 199, set(map(str, answers[1:]))
    await release(api, plan)
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])


async def test_drift_checks_do_not_grow_the_job_index(start: Start) -> None:
    spawnit = await start(drift_interval_seconds=0)
    api = spawnit.api
    service = await api.create_site("index", free_port())
    await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
    index = spawnit.spawnit.jobs  # its length: the jobs on record
    kept = 20  # CHECKS_KEPT: the checks a service keeps on record
    sizes = []
    for _ in range(kept + 5):
        check = (await api.run("mutation($id: ID!) { checkDrift(id: $id) { id } }", id=service["id"]))["checkDrift"]
        assert (await api.wait_job(check["id"]))["state"] == "SUCCEEDED"
        sizes.append(len(index))
    assert sizes[-1] == sizes[kept - 1] == 1 + kept, sizes  # the apply and the checks kept
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
