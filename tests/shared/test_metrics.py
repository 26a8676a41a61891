"""`/metrics` scraped from real processes of every role sharing Redis and a bucket (two
`spawnit serve --role api`, one `spawnit worker`): the worker that ran the jobs counts them
by kind and state with their durations and the engine's, and the drift verdict; the
replica a subscriber follows counts its subscription; every metric the issue names is
served by each role."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.redis_support import RedisServer
from tests.shared.cluster import ROLES, Replica, api_replica, chatty_apply, cluster, job_host, through
from tests.shared.test_cross_replica import follow

NAMES = {
    "spawnit_jobs",
    "spawnit_jobs_ended",
    "spawnit_job_duration_seconds",
    "spawnit_engine_duration_seconds",
    "spawnit_queue_depth",
    "spawnit_lease_expiries",
    "spawnit_drift_verdicts",
    "spawnit_live_subscribers",
    "spawnit_redis_up",
}


def text(replica: Replica) -> str:
    with urllib.request.urlopen(f"{replica.url}/metrics", timeout=30) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain")
        return answer.read().decode()


def scrape(replica: Replica) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(text(replica)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def eventually(check: Any, what: str, timeout: float = 60) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := check()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)  # another process's counters: nothing to await
    return result


def scrape_if(replica: Replica, name: str, **labels: str) -> dict[Any, float] | None:
    """The replica's samples once `name{labels}` is counted."""
    samples = scrape(replica)
    return samples if value(samples, name, **labels) else None


def families(replica: Replica) -> set[str]:
    return {family.name for family in text_string_to_metric_families(text(replica))} & NAMES


async def test_metrics_of_two_replicas_count_jobs_engines_verdicts_and_subscribers(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b = api_replica(c, "a"), api_replica(c, "b")
        w = job_host(c)
        assert families(a) == NAMES and families(b) == NAMES and families(w) == NAMES
        job = await chatty_apply(through(a, w).api, 20, 0, tmp_path / "gate")
        got: list[dict[str, Any]] = []
        seen = asyncio.Event()
        task = asyncio.create_task(follow(b.api, job["id"], 0, got, seen))
        await asyncio.wait_for(seen.wait(), 120)
        on_b = scrape(b)
        assert value(on_b, "spawnit_live_subscribers") >= 1
        assert value(on_b, "spawnit_redis_up") == 1
        assert value(scrape(w), "spawnit_jobs", kind="APPLY", state="RUNNING") == 1
        if ROLES:  # the shared queue's depth, seen from an API replica (queued or taken)
            assert value(scrape(a), "spawnit_queue_depth") == 1
        (tmp_path / "gate").touch()
        await asyncio.wait_for(task, 180)
        check = await through(a, w).api.mutate_job("checkDrift", job["service"]["id"])
        assert (await a.api.wait_job(check["id"]))["state"] == "SUCCEEDED"

        # a job's end is counted once its bookkeeping is done, just after its final update
        on_w = await eventually(lambda: scrape_if(w, "spawnit_drift_verdicts_total", verdict="DRIFTED"), "the verdict")
        assert value(on_w, "spawnit_jobs_ended_total", kind="APPLY", state="SUCCEEDED") == 1
        assert value(on_w, "spawnit_job_duration_seconds_count", kind="APPLY", state="SUCCEEDED") == 1
        assert value(on_w, "spawnit_job_duration_seconds_sum", kind="APPLY", state="SUCCEEDED") > 0
        assert value(on_w, "spawnit_engine_duration_seconds_count", command="apply", outcome="ok") == 1
        assert value(on_w, "spawnit_engine_duration_seconds_count", command="init", outcome="ok") >= 1
        # the module replaces its resource at every plan (timestamp()): a check finds it drifted
        assert value(on_w, "spawnit_drift_verdicts_total", verdict="DRIFTED") == 1
        assert value(on_w, "spawnit_lease_expiries_total") == 0
        await eventually(lambda: value(scrape(b), "spawnit_queue_depth") == 0, "an empty queue (both jobs acked)")
        for replica in (a, b):  # the API replicas ran nothing
            assert value(scrape(replica), "spawnit_jobs_ended_total", kind="APPLY", state="SUCCEEDED") == 0
