"""Real processes: what a dead worker leaves behind is found by the next one. Every worker
killed with -9 mid-apply: a worker started afterwards takes the job over once its lease ran
out and records it INTERRUPTED; a job left RUNNING in the bucket that Redis no longer knows
(Redis lost its data) is INTERRUPTED by a worker's recovery at start. Per-tenant limits hold
across API replicas (counted in Redis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import redis

from tests.api.client import GraphQLErrors
from tests.redis_support import RedisServer
from tests.shared.cluster import cluster
from tests.shared.test_workers import APPLY, FINAL, LEASE, new_service, pid_of, poll_job


async def test_a_worker_started_after_every_worker_died_interrupts_their_job(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        api = c.start("a", "--role", "api")
        first = c.start("w1", command="worker", SPAWNIT_WORKER_LEASE_SECONDS=LEASE)
        service = await new_service(api.api, "orphan", gate)
        job = (await api.api.run(APPLY, id=service))["applyService"]["id"]
        await poll_job(api.api, job, ("RUNNING",))
        first.kill()
        assert (await api.api.run("query($id: ID!) { job(id: $id) { state } }", id=job))["job"]["state"] == "RUNNING"
        second = c.start("w2", command="worker", SPAWNIT_WORKER_LEASE_SECONDS=LEASE)
        ended = await poll_job(api.api, job, FINAL, timeout=60)
        assert ended["state"] == "INTERRUPTED", ended
        gate.touch()
        plan = (await api.api.run("mutation($id: ID!) { planService(id: $id) { id } }", id=service))["planService"]
        planned = await poll_job(api.api, plan["id"], FINAL)
        assert planned["state"] == "SUCCEEDED" and pid_of(planned) == second.proc.pid, planned


async def test_a_running_job_redis_forgot_is_interrupted_at_a_workers_start(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        api = c.start("a", "--role", "api")
        first = c.start("w1", command="worker")
        service = await new_service(api.api, "forgotten", gate)
        job = (await api.api.run(APPLY, id=service))["applyService"]["id"]
        await poll_job(api.api, job, ("RUNNING",))
        first.kill()
        redis.Redis.from_url(redis_server.url).flushall()  # Redis lost its data
        c.start("w2", command="worker")  # recovery runs before it serves /healthz
        ended = (await api.api.run("query($id: ID!) { job(id: $id) { state } }", id=job))["job"]
        assert ended["state"] == "INTERRUPTED", ended


async def test_a_tenants_limit_holds_across_api_replicas(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    gate = tmp_path / "shut"
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        limit = {"SPAWNIT_MAX_JOBS_PER_TENANT": "2"}
        a, b = c.start("a", "--role", "api", **limit), c.start("b", "--role", "api", **limit)
        c.start("w1", command="worker", **limit)
        apis = [a.api, b.api, a.api, b.api]
        services = [await new_service(api, f"s{i}", gate) for i, api in enumerate(apis)]
        answers = await asyncio.gather(
            *(api.run(APPLY, id=s) for api, s in zip(apis, services, strict=True)), return_exceptions=True
        )
        refused = [r for r in answers if isinstance(r, GraphQLErrors)]
        assert len(refused) == 2 and all(r.codes == ["LIMIT_EXCEEDED"] for r in refused), answers
        gate.touch()
