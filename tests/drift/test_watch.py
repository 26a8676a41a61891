"""The drift watch on the `local` target: real engine, short intervals."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

from app.storage import keys
from tests.conftest import free_port
from tests.drift.conftest import INTERVAL, JITTER, deployed_site, service_state, watching
from tests.server import Running, Start


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


async def test_a_killed_process_gives_exactly_one_drifted_event_and_reapply_one_in_sync(drifting: Running) -> None:
    api = drifting.api
    service, _ = await deployed_site(api)
    state = await service_state(api, service["id"])
    assert state["drift"]["status"] == "IN_SYNC" and state["health"]["status"] == "HEALTHY"
    assert state["drift"]["nextCheckAt"] is not None
    async with watching(drifting, service["id"]) as events:
        kill(int(state["outputs"]["pid"]))
        drifted = await events.wait_for("DRIFT", "DRIFTED", timeout=2 * (INTERVAL + JITTER) + 5)
        assert drifted["old"] == "IN_SYNC"
        assert drifted["resources"] == [{"address": "spawnit_process.service", "action": "create"}]
        shown = await service_state(api, service["id"])
        assert shown["status"] == "DRIFTED"
        assert shown["drift"]["status"] == "DRIFTED"
        assert shown["drift"]["resources"] == drifted["resources"]
        # more checks find the same drift: no more events about it
        first_check = shown["drift"]["checkedAt"]
        while (await service_state(api, service["id"]))["drift"]["checkedAt"] == first_check:
            await asyncio.sleep(0.2)
        assert len(events.of("DRIFT")) == 1
        assert [e["new"] for e in events.of("HEALTH")] == ["UNHEALTHY"]

        job = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
        assert job["state"] == "SUCCEEDED"
        await events.wait_for("DRIFT", "IN_SYNC", timeout=10)
        assert [e["new"] for e in events.of("DRIFT")] == ["DRIFTED", "IN_SYNC"]
        # jobs speak through JOB events: queued, running, succeeded for the apply only
        assert [e["new"] for e in events.of("JOB")] == ["QUEUED", "RUNNING", "SUCCEEDED"]
    shown = await service_state(api, service["id"])
    assert shown["status"] == "DEPLOYED" and shown["drift"]["resources"] == []
    kinds = [(h["kind"], h["new"]) for h in shown["history"]]
    assert ("DRIFT", "DRIFTED") in kinds and kinds[-2:] == [("DRIFT", "IN_SYNC"), ("HEALTH", "HEALTHY")]
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])


async def test_destroyed_services_drift_only_when_their_state_holds_resources(drifting: Running) -> None:
    api = drifting.api
    store = drifting.spawnit.store
    tenant = (await api.run("{ me { tenantId } }"))["me"]["tenantId"]

    # a destroyed service whose port is taken again by a process outside SpawnIt
    clean, _ = await deployed_site(api, "clean")
    await api.wait_job((await api.mutate_job("destroyService", clean["id"]))["id"])
    # a destroyed service whose state still holds its resource (the state of before)
    stale, _ = await deployed_site(api, "stale")
    kept = await store.get(keys.state(tenant, stale["id"]))
    await api.wait_job((await api.mutate_job("destroyService", stale["id"]))["id"])
    stale_pid = json.loads(kept)["resources"][0]["instances"][0]["attributes"]["pid"]
    state = json.loads(kept)
    state["serial"] += 10
    await store.put(keys.state(tenant, stale["id"]), json.dumps(state).encode())

    outsider_port = free_port()
    outsider = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(outsider_port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with watching(drifting) as events:
            drifted = await events.wait_for("DRIFT", "DRIFTED", timeout=2 * (INTERVAL + JITTER) + 5)
            assert drifted["serviceId"] == stale["id"]
            assert drifted["resources"] == [{"address": "spawnit_process.service", "action": "delete"}]
            # the clean one has been checked since, and said nothing
            started = datetime.now().astimezone()
            while True:
                checked = (await service_state(api, clean["id"]))["drift"]["checkedAt"]
                if checked and datetime.fromisoformat(checked) > started:
                    break
                await asyncio.sleep(0.2)
            assert [e["serviceId"] for e in events.of("DRIFT")] == [stale["id"]]
            assert (await service_state(api, clean["id"]))["drift"]["status"] == "IN_SYNC"
    finally:
        outsider.kill()
        outsider.wait()
    assert stale_pid  # the process of that old state is gone: destroying again empties the state
    await api.wait_job((await api.mutate_job("destroyService", stale["id"]))["id"])


async def test_ten_services_with_a_cap_of_two(start: Start) -> None:
    interval, jitter = 8.0, 2.0
    spawnit = await start(drift_interval_seconds=interval, drift_jitter_seconds=jitter, drift_max_parallel=2)
    api = spawnit.api
    services = await asyncio.gather(*(api.create_site(f"s{i}", free_port(), name=f"s{i}") for i in range(10)))
    applies = await asyncio.gather(*(api.mutate_job("applyService", s["id"]) for s in services))
    applied = await asyncio.gather(*(api.wait_job(j["id"]) for j in applies))
    assert all(j["state"] == "SUCCEEDED" for j in applied), [j["error"] for j in applied]
    ready = {j["service"]["id"]: datetime.fromisoformat(j["finishedAt"]) for j in applied}

    # wait until every service has had two checks
    deadline = time.monotonic() + 3 * (interval + jitter) + 20
    checks: dict[str, list[dict]] = {}
    while time.monotonic() < deadline:
        checks = {}
        for s in services:
            data = await api.run(
                "query($id: ID!) { service(id: $id) { jobs(first: 100) { edges { node { kind state startedAt finishedAt } } } } }",
                id=s["id"],
            )
            checks[s["id"]] = [
                e["node"]
                for e in data["service"]["jobs"]["edges"]
                if e["node"]["kind"] == "DRIFT_CHECK" and e["node"]["finishedAt"]
            ]
        if all(len(c) >= 2 for c in checks.values()):
            break
        await asyncio.sleep(0.5)
    assert all(len(c) >= 2 for c in checks.values()), {k: len(v) for k, v in checks.items()}
    # never more than 2 at once, from the job records
    edges = sorted(
        [(datetime.fromisoformat(c["startedAt"]), 1) for cs in checks.values() for c in cs]
        + [(datetime.fromisoformat(c["finishedAt"]), -1) for cs in checks.values() for c in cs]
    )
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    assert peak <= 2, peak
    assert peak == 2, "the cap was never used: the sweep ran one at a time"
    # every check starts once its interval has passed since its last check, never before; later than interval + jitter only while the cap was
    # full, i.e. two other checks were running when it came due (a loaded machine makes each
    # check slower, which the cap then queues: late, but never starved nor early)
    spans = [
        (datetime.fromisoformat(c["startedAt"]), datetime.fromisoformat(c["finishedAt"]))
        for cs in checks.values()
        for c in cs
    ]
    for service_id, cs in checks.items():
        starts = [ready[service_id]] + [datetime.fromisoformat(c["finishedAt"]) for c in cs]
        begins = [datetime.fromisoformat(c["startedAt"]) for c in cs]
        for n, (before, begin) in enumerate(zip(starts, begins, strict=False)):
            waited = (begin - before).total_seconds()
            if n:  # a check counts from the end of the last one (the first from the service's own record)
                assert waited >= interval - 0.5, ("checked early", service_id, before, begin)
            if waited > interval + jitter + 3:
                due = before + timedelta(seconds=interval + jitter)
                busy = sum(1 for b, f in spans if b <= due < f and b != begin)
                assert busy >= 2, ("late while the cap was free", service_id, before, begin, busy)
    destroys = await asyncio.gather(*(api.mutate_job("destroyService", s["id"]) for s in services))
    assert all(j["state"] == "SUCCEEDED" for j in await asyncio.gather(*(api.wait_job(d["id"]) for d in destroys)))


async def test_a_users_apply_does_not_wait_for_a_running_check(drifting: Running) -> None:
    api = drifting.api
    service, _ = await deployed_site(api)
    await api.run(
        "mutation($id: ID!) { updateService(id: $id, input: {driftCheckInterval: 0}) { driftCheckInterval } }",
        id=service["id"],
    )
    check = await api.run("mutation($id: ID!) { checkDrift(id: $id) { id kind } }", id=service["id"])
    check_id = check["checkDrift"]["id"]
    assert check["checkDrift"]["kind"] == "DRIFT_CHECK"
    async for item in api.subscribe("subscription($id: ID!) { jobLogs(jobId: $id) { text } }", id=check_id):
        if item["jobLogs"]["text"].startswith("$ "):  # the engine runs the check now
            break
    apply = await api.mutate_job("applyService", service["id"])
    final = await api.wait_job(apply["id"])
    assert final["state"] == "SUCCEEDED"
    check_job = await api.job(check_id)
    # the check did not run to its end: it stopped for the apply, which started after it stopped
    assert check_job["state"] == "CANCELED" and check_job["forced"] is True
    assert check_job["finishedAt"] <= final["startedAt"]
    assert any("yielding to job" in l["text"] for l in await api.logs(check_id))
    assert (await service_state(api, service["id"]))["drift"]["status"] == "IN_SYNC"
    # a saved plan stays applicable across a drift check: checks are no operations
    plan = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    await api.wait_job(
        (await api.run("mutation($id: ID!) { checkDrift(id: $id) { id } }", id=service["id"]))["checkDrift"]["id"]
    )
    applied = await api.wait_job((await api.mutate_job("applyService", service["id"], planJobId=plan["id"]))["id"])
    assert applied["state"] == "SUCCEEDED"
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])


async def test_health_goes_unhealthy_and_back_with_one_event_each(drifting: Running) -> None:
    api = drifting.api
    service, _ = await deployed_site(api)
    pid = int((await service_state(api, service["id"]))["outputs"]["pid"])
    async with watching(drifting, service["id"]) as events:
        os.kill(pid, signal.SIGSTOP)  # alive, but no longer answering
        try:
            down = await events.wait_for("HEALTH", "UNHEALTHY", timeout=2 * (INTERVAL + JITTER) + 5)
            assert down["old"] == "HEALTHY"
        finally:
            os.kill(pid, signal.SIGCONT)
        await events.wait_for("HEALTH", "HEALTHY", timeout=2 * (INTERVAL + JITTER) + 5)
        assert [e["new"] for e in events.of("HEALTH")] == ["UNHEALTHY", "HEALTHY"]
        assert events.of("DRIFT") == []  # the process never left: no drift
    shown = await service_state(api, service["id"])
    assert shown["health"]["latencyMs"] is not None
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])


async def test_a_failing_check_says_check_failed_once(start: Start, private_moto) -> None:
    s3, moto = private_moto
    spawnit = await start(
        store="s3", s3=s3, drift_interval_seconds=1.0, drift_jitter_seconds=0.2, health_timeout_seconds=1.0
    )
    api = spawnit.api
    service, _ = await deployed_site(api)
    async with watching(spawnit, service["id"]) as events:
        moto.terminate()  # storage becomes unreachable
        moto.wait()
        failed = await events.wait_for("DRIFT", "CHECK_FAILED", timeout=15)
        assert failed["old"] == "IN_SYNC"
        shown = await service_state(api, service["id"])
        assert shown["drift"]["status"] == "CHECK_FAILED" and "storage" in shown["drift"]["error"]
        # several more failing checks: still one event
        checked = shown["drift"]["checkedAt"]
        for _ in range(3):
            while (now := (await service_state(api, service["id"]))["drift"]["checkedAt"]) == checked:
                await asyncio.sleep(0.1)
            checked = now
        assert [e["new"] for e in events.of("DRIFT")] == ["CHECK_FAILED"]
        assert events.of("HEALTH") == []  # the service itself still answers
    # the site still runs, and its state is in the stopped storage: stop it by hand
    kill(int((await service_state(api, service["id"]))["outputs"]["pid"]))


async def test_verdicts_and_their_history_survive_a_restart(tmp_path) -> None:
    from tests.server import serving, test_settings

    settings = test_settings(tmp_path, drift_interval_seconds=INTERVAL, drift_jitter_seconds=JITTER)
    async with serving(settings) as first:
        service, _ = await deployed_site(first.api)
        async with watching(first, service["id"]) as events:
            kill(int((await service_state(first.api, service["id"]))["outputs"]["pid"]))
            await events.wait_for("DRIFT", "DRIFTED", timeout=2 * (INTERVAL + JITTER) + 5)
        before = await service_state(first.api, service["id"])
    async with serving(settings.replace(drift_interval_seconds=0)) as second:
        after = await service_state(second.api, service["id"])
        assert after["drift"] == {**before["drift"], "nextCheckAt": None}
        assert after["history"] == before["history"] and after["status"] == "DRIFTED"
        await second.api.wait_job((await second.api.mutate_job("destroyService", service["id"]))["id"])
