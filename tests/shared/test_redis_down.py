"""Redis stopped under two real API replicas (and a worker): reads still answer from storage,
mutations are refused with UNAVAILABLE naming Redis, /readyz is 503 naming it; Redis
restarted: /readyz is 200, mutations work, and a job run by one replica streams to a
subscriber on the other again."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.redis_support import RedisServer
from tests.shared.cluster import Replica, api_replica, chatty_apply, cluster, job_host, printed, through
from tests.shared.test_cross_replica import follow

SERVICES = "{ services { edges { node { id name } } } }"
PLAN = "mutation($id: ID!) { planService(id: $id) { id } }"


def readyz(replica: Replica) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{replica.url}/readyz", timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


async def eventually(check: Any, what: str, timeout: float = 60) -> Any:
    """Poll another process's state until `check()` is truthy (nothing to await there)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_redis_down_reads_answer_changes_are_refused_and_everything_resumes(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b = api_replica(c, "a"), api_replica(c, "b")
        host = job_host(c)
        first = await chatty_apply(through(a, host).api, 3, 0, tmp_path / "open")
        (tmp_path / "open").touch()
        service_id = first["service"]["id"]
        assert (await a.api.wait_job(first["id"]))["state"] == "SUCCEEDED"
        assert readyz(a) == (200, {"status": "ok"})

        redis_server.stop()
        status, body = readyz(a)
        assert status == 503 and f"Redis at 127.0.0.1:{redis_server.port}/0 cannot be reached" in body["reason"]

        async def refused() -> Any:
            errors = await a.api.errors(PLAN, id=service_id)
            return errors if errors.codes == ["UNAVAILABLE"] else None

        errors = await eventually(refused, "a mutation refused with UNAVAILABLE")
        message = errors.errors[0]["message"]
        assert "Redis at 127.0.0.1" in message and "changes are refused until it is back" in message
        names = [e["node"]["name"] for e in (await a.api.run(SERVICES))["services"]["edges"]]
        assert names == ["chatty"]  # reads answer
        assert (await b.api.job(first["id"]))["state"] == "SUCCEEDED"  # from storage, on the other replica
        assert len(await b.api.logs(first["id"])) > 3

        redis_server.start()

        async def ready() -> bool:
            return readyz(a)[0] == 200 and readyz(b)[0] == 200

        await eventually(ready, "/readyz 200 on both replicas")

        async def accepted() -> Any:
            try:
                return await chatty_apply(through(a, host).api, 50, 200, tmp_path / "gate")
            except Exception:
                return None

        job = await eventually(accepted, "a mutation accepted again")
        got: list[dict[str, Any]] = []
        seen = asyncio.Event()
        task = asyncio.create_task(follow(b.api, job["id"], 0, got, seen))
        await asyncio.wait_for(seen.wait(), 120)
        (tmp_path / "gate").touch()
        await asyncio.wait_for(task, 180)
        assert [line["number"] for line in got] == list(range(len(got)))
        assert printed(got) == list(range(50))


async def test_redis_restarted_while_a_job_streams_to_another_replica_loses_no_line(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b = api_replica(c, "a"), api_replica(c, "b")
        host = job_host(c)
        gate = tmp_path / "gate"
        job = await chatty_apply(through(a, host).api, 300, 100, gate)
        got: list[dict[str, Any]] = []
        seen = asyncio.Event()
        task = asyncio.create_task(follow(b.api, job["id"], 0, got, seen))
        await asyncio.wait_for(seen.wait(), 120)
        gate.touch()

        async def some_printed() -> bool:
            return len(printed(got)) >= 50

        await eventually(some_printed, "50 printed lines on B")
        redis_server.stop(kill=True)
        at_stop = len(printed(got))

        async def not_ready() -> bool:
            return readyz(b)[0] == 503

        await eventually(not_ready, "/readyz 503 on B")
        redis_server.start()
        await asyncio.wait_for(task, 180)  # the subscription caught up and completed
        assert at_stop < 300, "the job printed everything before Redis stopped"
        assert [line["number"] for line in got] == list(range(len(got))), "a gap or a duplicate"
        assert printed(got) == list(range(300))
        final = await b.api.wait_job(job["id"])
        assert final["state"] == "SUCCEEDED", final
        assert [line["text"] for line in got] == [line["text"] for line in await a.api.logs(job["id"])]
