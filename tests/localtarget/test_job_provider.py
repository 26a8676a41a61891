"""Each job other than a drift check gets a `spawnit` provider of its own, which its
engine commands reattach to (instead of starting one 3 to 5 times a job): a child of
SpawnIt, not of the engine, gone when the job ends. A cancel stops that job's create and
no other job's; a provider that crashes fails its job, and the next job starts anew."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from tests.api.catalogs import with_slow_entry
from tests.api.client import Api
from tests.api.test_jobs import LOGS, applying_slowly
from tests.conftest import free_port
from tests.faults.engines import alive, one_engine_of, starters
from tests.faults.test_cancel import clean_up
from tests.server import Start

OWN = b"app.localtarget.shared_provider\0--own"


def job_providers(parent: int) -> list[int]:
    """The live job providers started for `parent` (a SpawnIt server), by it or its launcher."""
    found = []
    parents = starters(parent)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if OWN in (entry / "cmdline").read_bytes() and alive(int(entry.name)):
                    stat = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
                    if int(stat[1]) in parents:
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


def environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


async def creating(api: Api, service: dict, delay: int) -> dict:
    """The apply of `service`, once its engine is creating the process."""
    apply = await api.mutate_job("applyService", service["id"])
    async for item in api.subscribe(LOGS, id=apply["id"], **{"from": 0}):
        if "Creating..." in item["jobLogs"]["text"]:
            return apply
    raise AssertionError(f"the apply of {service['id']} never created (delay {delay})")


async def test_a_job_s_engines_reattach_to_its_own_provider_gone_when_it_ends(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    service, apply = await applying_slowly(spawnit.api)
    engine = await one_engine_of(os.getpid())
    (provider,) = job_providers(os.getpid())  # one, SpawnIt's child: not started by the engine
    assert "TF_REATTACH_PROVIDERS" in environment(engine)
    assert job_providers(engine) == []  # the engine started none

    await spawnit.api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=apply["id"])
    assert (await spawnit.api.wait_job(apply["id"], timeout=60))["state"] == "CANCELED"
    assert not alive(provider), "the job's provider outlived the job"
    await clean_up(spawnit.api, service)
    assert job_providers(os.getpid()) == []


async def test_a_cancel_stops_its_job_s_create_and_no_other(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), max_parallel_jobs=2)
    api = spawnit.api
    soon = await api.create("slow-site", "soon", port=free_port(), delay=4)
    late = await api.create("slow-site", "late", port=free_port(), delay=120)
    applies = await asyncio.gather(creating(api, soon, 4), creating(api, late, 120))
    assert len(job_providers(os.getpid())) == 2

    await api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=applies[1]["id"])
    assert (await api.wait_job(applies[1]["id"], timeout=60))["state"] == "CANCELED"
    assert (await api.wait_job(applies[0]["id"], timeout=60))["state"] == "SUCCEEDED"
    await clean_up(api, late)
    await api.wait_job((await api.mutate_job("destroyService", soon["id"]))["id"])


async def test_a_crashed_job_provider_fails_its_job_and_the_next_starts_anew(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    api = spawnit.api
    service, apply = await applying_slowly(api)
    (provider,) = job_providers(os.getpid())
    os.kill(provider, signal.SIGKILL)  # a crash in the middle of a create
    failed = await api.wait_job(apply["id"], timeout=60)
    assert failed["state"] == "FAILED" and failed["error"], failed

    site = await api.create_site("after", free_port())
    applied = await api.wait_job((await api.mutate_job("applyService", site["id"]))["id"], timeout=120)
    assert applied["state"] == "SUCCEEDED", applied
    assert job_providers(os.getpid()) == []
    await clean_up(api, service)  # what the crashed create started is stopped by the next apply
    await api.wait_job((await api.mutate_job("destroyService", site["id"]))["id"], timeout=120)
