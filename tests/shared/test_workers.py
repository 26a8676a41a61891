"""Real processes: redis-server, moto_server, 2 x `spawnit serve --role api` and 2 x
`spawnit worker`. Jobs submitted through either API replica run on both workers; the jobs
of one service never overlap and run in submission order whichever replica took them in;
a worker killed with -9 in the middle of an apply leaves its job INTERRUPTED (found past
the lease by the other worker) and the service goes on, on the survivor.

Job states are read over HTTP (GraphQL `job`), polled: the records are in the bucket."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.log_stream import ENTRY
from tests.api.client import Api
from tests.redis_support import RedisServer
from tests.shared.cluster import Cluster, Replica, cluster

JOB = "query($id: ID!) { job(id: $id) { id state worker createdAt startedAt finishedAt error } }"
APPLY = "mutation($id: ID!) { applyService(id: $id) { id state } }"
LEASE = "6"


async def poll_job(api: Api, job_id: str, states: tuple[str, ...], timeout: float = 180) -> dict[str, Any]:
    """The job once its state is one of `states` (polled: another process runs it)."""

    async def poll() -> dict[str, Any]:
        while True:
            job = (await api.run(JOB, id=job_id))["job"]
            if job["state"] in states:
                return job
            await asyncio.sleep(0.1)  # another process's job: its stored record is what we can read

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"job {job_id} never reached {states}: {(await api.run(JOB, id=job_id))['job']}") from None


FINAL = ("SUCCEEDED", "FAILED", "CANCELED", "INTERRUPTED")


async def new_service(api: Api, name: str, gate: Path, lines: int = 20, rate: int = 20) -> str:
    data = await api.run(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
        i={
            "catalogEntryId": ENTRY,
            "target": "bench",
            "name": name,
            "variables": {"lines": lines, "rate": rate, "gate": str(gate)},
        },
    )
    return str(data["createService"]["id"])


def fleet(c: Cluster, **extra: str) -> tuple[Replica, Replica, Replica, Replica]:
    settings = {"SPAWNIT_MAX_PARALLEL_JOBS": "2", "SPAWNIT_WORKER_LEASE_SECONDS": LEASE, **extra}
    a = c.start("a", "--role", "api", **settings)
    b = c.start("b", "--role", "api", **settings)
    w1 = c.start("w1", command="worker", **settings)
    w2 = c.start("w2", command="worker", **settings)
    return a, b, w1, w2


def pid_of(job: dict[str, Any]) -> int:
    return int(str(job["worker"]).rsplit(":", 1)[1])


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_eight_services_applied_through_two_replicas_run_on_both_workers(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "open"
    gate.touch()
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b, w1, w2 = fleet(c)
        apis = [a.api, b.api] * 4
        services = [await new_service(api, f"s{i}", gate) for i, api in enumerate(apis)]
        jobs = await asyncio.gather(*(api.run(APPLY, id=s) for api, s in zip(apis, services, strict=True)))
        ended = [await poll_job(a.api, j["applyService"]["id"], FINAL) for j in jobs]
        assert [job["state"] for job in ended] == ["SUCCEEDED"] * 8, ended
        assert {pid_of(job) for job in ended} == {w1.proc.pid, w2.proc.pid}


async def test_five_jobs_of_one_service_through_both_replicas_run_one_at_a_time_in_order(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "open"
    gate.touch()
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b, _w1, _w2 = fleet(c)
        service = await new_service(a.api, "one", gate, lines=10, rate=20)
        ids = [(await api.run(APPLY, id=service))["applyService"]["id"] for api in (a.api, b.api) * 2 + (a.api,)]
        ended = [await poll_job(b.api, job_id, FINAL) for job_id in ids]
        assert [job["state"] for job in ended] == ["SUCCEEDED"] * 5, ended
        for before, after in zip(ended, ended[1:], strict=False):
            assert when(after["startedAt"]) >= when(before["finishedAt"]), (before, after)  # never overlap, in order


async def test_a_worker_killed_mid_apply_leaves_it_interrupted_and_the_service_goes_on(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"  # never opened: the apply waits in its provisioner
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b, w1, w2 = fleet(c)
        service = await new_service(a.api, "victim", gate)
        job_id = (await a.api.run(APPLY, id=service))["applyService"]["id"]
        running = await poll_job(a.api, job_id, ("RUNNING",))
        while not (await a.api.logs(job_id)):
            await asyncio.sleep(0.1)
        victim, survivor = (w1, w2) if pid_of(running) == w1.proc.pid else (w2, w1)
        assert pid_of(running) == victim.proc.pid
        victim.kill()
        ended = await poll_job(b.api, job_id, FINAL, timeout=30)  # within 30 s (lease: 6 s)
        assert ended["state"] == "INTERRUPTED", ended
        gate.touch()
        plan = (await b.api.run("mutation($id: ID!) { planService(id: $id) { id } }", id=service))["planService"]
        planned = await poll_job(b.api, plan["id"], FINAL)
        assert planned["state"] == "SUCCEEDED", planned
        assert pid_of(planned) == survivor.proc.pid


CANCEL = "mutation($id: ID!, $force: Boolean!) { cancelJob(id: $id, force: $force) { id state cancelRequested } }"


async def test_cancel_through_the_other_replica_reaches_the_worker_and_the_queue(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"  # the first apply waits in its provisioner until canceled
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b, _w1, _w2 = fleet(c)
        service = await new_service(a.api, "cancel-me", gate)
        first = (await a.api.run(APPLY, id=service))["applyService"]["id"]
        second = (await a.api.run(APPLY, id=service))["applyService"]["id"]
        await poll_job(a.api, first, ("RUNNING",))
        queued = (await b.api.run(CANCEL, id=second, force=False))["cancelJob"]
        assert queued["state"] == "CANCELED"  # behind the first in its line: no worker had it
        asked = (await b.api.run(CANCEL, id=first, force=False))["cancelJob"]
        assert asked["cancelRequested"] is True
        assert (await poll_job(a.api, first, FINAL))["state"] == "CANCELED"
        assert (await poll_job(a.api, second, FINAL))["state"] == "CANCELED"
        gate.touch()
        again = (await b.api.run(APPLY, id=service))["applyService"]["id"]  # the line goes on
        assert (await poll_job(b.api, again, FINAL))["state"] == "SUCCEEDED"


async def test_the_other_replica_sees_a_running_job_in_status_and_refuses_delete(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b, _w1, _w2 = fleet(c)
        service = await new_service(a.api, "busy", gate)
        job_id = (await a.api.run(APPLY, id=service))["applyService"]["id"]
        await poll_job(a.api, job_id, ("RUNNING",))
        seen = await b.api.run("query($id: ID!) { service(id: $id) { status } }", id=service)
        assert seen["service"]["status"] == "DEPLOYING"
        listed = await b.api.run("{ services(first: 10) { edges { node { id status } } } }")
        assert [e["node"]["status"] for e in listed["services"]["edges"]] == ["DEPLOYING"]
        refused = await b.api.errors("mutation($id: ID!) { deleteService(id: $id) { id } }", id=service)
        assert refused.codes == ["CONFLICT"]
        gate.touch()
        assert (await poll_job(b.api, job_id, FINAL))["state"] == "SUCCEEDED"


async def test_a_users_job_through_one_replica_preempts_a_drift_check_queued_through_another(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    opened, shut = tmp_path / "open", tmp_path / "shut"
    opened.touch()
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b, _w1, _w2 = fleet(c)
        service = await new_service(a.api, "checked", opened)
        first = (await a.api.run(APPLY, id=service))["applyService"]["id"]
        assert (await poll_job(a.api, first, FINAL))["state"] == "SUCCEEDED"
        await a.api.run(
            "mutation($id: ID!, $i: UpdateServiceInput!) { updateService(id: $id, input: $i) { id } }",
            id=service,
            i={"variables": {"gate": str(shut)}},
        )
        busy = (await a.api.run(APPLY, id=service))["applyService"]["id"]  # holds the service
        await poll_job(a.api, busy, ("RUNNING",))
        check = (await a.api.run("mutation($id: ID!) { checkDrift(id: $id) { id } }", id=service))["checkDrift"]
        plan = (await b.api.run("mutation($id: ID!) { planService(id: $id) { id } }", id=service))["planService"]
        assert (await poll_job(b.api, check["id"], FINAL))["state"] == "CANCELED"  # before the apply ends
        shut.touch()
        assert (await poll_job(b.api, busy, FINAL))["state"] == "SUCCEEDED"
        assert (await poll_job(b.api, plan["id"], FINAL))["state"] == "SUCCEEDED"


async def test_a_worker_that_stalled_past_its_lease_writes_nothing_over_the_takeover(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, _b, w1, w2 = fleet(c)
        service = await new_service(a.api, "stalled", gate)
        job_id = (await a.api.run(APPLY, id=service))["applyService"]["id"]
        running = await poll_job(a.api, job_id, ("RUNNING",))
        stalled = w1 if pid_of(running) == w1.proc.pid else w2
        os.kill(stalled.proc.pid, signal.SIGSTOP)  # the worker alone: its engine runs on
        try:
            taken_over = await poll_job(a.api, job_id, FINAL, timeout=60)
        finally:
            os.kill(stalled.proc.pid, signal.SIGCONT)
        assert taken_over["state"] == "INTERRUPTED", taken_over
        while "write refused" not in stalled.log.read_text(errors="replace"):
            await asyncio.sleep(0.1)  # the resumed worker learns it lost the job, stops it, refuses its end
        assert (await a.api.run(JOB, id=job_id))["job"] == taken_over  # nothing written over the takeover
