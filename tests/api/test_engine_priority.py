"""Engines run at a lower CPU priority than the API (SPAWNIT_ENGINE_NICE, default 10) and,
when SPAWNIT_ENGINE_CPUS names some, only on those CPUs: read from the running engine's
/proc/<pid>/stat and /proc/<pid>/status while a real job runs."""

from __future__ import annotations

import os
from pathlib import Path

from app.engine.priority import parse_cpus
from app.settings import Settings
from tests.api.catalogs import with_slow_entry
from tests.api.test_jobs import applying_slowly
from tests.faults.engines import one_engine_of
from tests.faults.test_cancel import clean_up
from tests.server import Start


def niceness(pid: int) -> int:
    """Field 19 of /proc/<pid>/stat (after the command name, which may hold spaces)."""
    fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    return int(fields[16])  # fields 3.. follow the name: 19 is the 17th of them


async def test_the_engine_of_a_running_job_is_niced(start: Start, tmp_path: Path) -> None:
    assert Settings().engine_nice == 10
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    ours = niceness(os.getpid())
    service, apply = await applying_slowly(spawnit.api)  # the engine is creating the process
    engine = await one_engine_of(os.getpid())
    assert niceness(engine) == min(19, ours + 10)
    assert niceness(os.getpid()) == ours  # the API's own priority is untouched

    canceled = await spawnit.api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=apply["id"])
    assert canceled["cancelJob"]["state"] == "RUNNING"
    assert (await spawnit.api.wait_job(apply["id"], timeout=60))["state"] == "CANCELED"
    await clean_up(spawnit.api, service)


def cpus_allowed(pid: int) -> set[int]:
    """Cpus_allowed_list of /proc/<pid>/status ("0-1", "1", "0,2-3")."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return set(parse_cpus("Cpus_allowed_list", line.split(":", 1)[1].strip()))
    raise AssertionError(f"no Cpus_allowed_list for {pid}")


async def test_engines_run_only_on_the_cpus_named(start: Start, tmp_path: Path) -> None:
    ours = os.sched_getaffinity(0)
    assert len(ours) >= 2, "this test needs a machine with two CPUs or more"
    engine_cpu = max(ours)
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), engine_cpus=frozenset({engine_cpu}))
    service, apply = await applying_slowly(spawnit.api)
    engine = await one_engine_of(os.getpid())
    assert cpus_allowed(engine) == {engine_cpu}  # and what it starts inherits it
    assert os.sched_getaffinity(0) == ours  # the API keeps every CPU

    await spawnit.api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=apply["id"])
    assert (await spawnit.api.wait_job(apply["id"], timeout=60))["state"] == "CANCELED"
    await clean_up(spawnit.api, service)
