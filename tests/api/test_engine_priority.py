"""Engines run at a lower CPU priority than the API (SPAWNIT_ENGINE_NICE, default 10, and,
with SPAWNIT_ENGINE_IDLE, SCHED_IDLE when they reattach to SpawnIt's providers) and, when
SPAWNIT_ENGINE_CPUS names some, only on those CPUs: read from the running engine's
/proc/<pid>/stat and /proc/<pid>/status while a real job runs. The providers and the
tenant's processes they start never run idle (no unprivileged way back from it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from app.engine.priority import parse_cpus
from app.localtarget.lineage import descendants
from app.settings import Settings
from tests.api.catalogs import with_slow_entry
from tests.api.test_jobs import applying_slowly
from tests.faults.engines import alive, one_engine_of
from tests.faults.test_cancel import clean_up
from tests.localtarget.test_job_provider import job_providers
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


def group_niceness(pid: int) -> int | None:
    """The niceness of the scheduler group Linux put `pid` in by session (None: no such group)."""
    fields = Path(f"/proc/{pid}/autogroup").read_text().split()
    return int(fields[-1]) if fields else None


async def test_a_job_s_engine_and_provider_share_the_engines_session_weighed_at_their_niceness(
    start: Start, tmp_path: Path
) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), engine_nice=6)
    service, apply = await applying_slowly(spawnit.api)
    engine = await one_engine_of(os.getpid())
    (provider,) = job_providers(os.getpid())
    sessions = {os.getsid(engine), os.getsid(provider)}
    assert len(sessions) == 1 and os.getsid(0) not in sessions  # one session, not the API's, not one each
    (launcher,) = sessions - {os.getsid(0)}
    assert os.getpgid(engine) == engine  # still the leader of a group of its own: a cancel reaches its tree
    if group_niceness(engine) is not None:  # the kernel groups by session here (not in a CPU cgroup)
        assert group_niceness(engine) == group_niceness(provider) == 6
        assert group_niceness(os.getpid()) in (0, None)  # the API's group keeps its weight (None: the default)
    assert launcher in descendants(os.getpid())  # SpawnIt's child: it ends with SpawnIt

    await spawnit.api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=apply["id"])
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


def live_descendants(pid: int) -> list[int]:
    """Every live process below `pid` (zombies left out)."""
    return [p for p in descendants(pid) if alive(p)]


def running(pids: list[int], word: bytes) -> list[int]:
    """Those of `pids` whose command line holds `word`."""
    found = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if word in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return found


async def tenant_processes(provider: int, word: bytes) -> list[int]:
    """The processes below `provider` running `word`, once it started them (it does soon
    after the engine said "Creating...")."""
    while not (found := running(live_descendants(provider), word)):
        assert alive(provider), "the provider ended before it started the tenant's process"
        await asyncio.sleep(0.05)
    return found


async def test_the_engine_runs_idle_and_the_provider_and_the_tenant_s_service_do_not(
    start: Start, tmp_path: Path
) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), engine_idle=True)
    service, apply = await applying_slowly(spawnit.api)  # the provider started the tenant's process
    engine = await one_engine_of(os.getpid())
    assert os.sched_getscheduler(engine) == os.SCHED_IDLE
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the API's own policy is untouched
    (provider,) = job_providers(os.getpid())
    assert os.sched_getscheduler(provider) == os.SCHED_OTHER
    assert niceness(provider) == niceness(engine)  # it keeps the engines' niceness
    tenant = await tenant_processes(provider, b"http.server")
    assert {os.sched_getscheduler(pid) for pid in tenant} == {os.SCHED_OTHER}  # a policy it could not leave

    await spawnit.api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=apply["id"])
    assert (await spawnit.api.wait_job(apply["id"], timeout=60))["state"] == "CANCELED"
    await clean_up(spawnit.api, service)


async def test_by_default_the_engine_keeps_the_normal_policy_at_its_niceness(start: Start, tmp_path: Path) -> None:
    """An idle-policy engine gets a CPU only when nothing else wants one: behind a busy
    `local` service or a crowd of followers every job would stall (opt-in only)."""
    assert not Settings().engine_idle
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    service, apply = await applying_slowly(spawnit.api)
    engine = await one_engine_of(os.getpid())
    assert os.sched_getscheduler(engine) == os.SCHED_OTHER
    assert niceness(engine) == min(19, niceness(os.getpid()) + 10)

    await spawnit.api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=apply["id"])
    assert (await spawnit.api.wait_job(apply["id"], timeout=60))["state"] == "CANCELED"
    await clean_up(spawnit.api, service)


async def test_an_engine_that_starts_its_own_providers_does_not_run_idle(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), provider_reattach=False, engine_idle=True)
    service, apply = await applying_slowly(spawnit.api)
    engine = await one_engine_of(os.getpid())
    assert os.sched_getscheduler(engine) == os.SCHED_OTHER  # what it starts would inherit SCHED_IDLE
    assert niceness(engine) == min(19, niceness(os.getpid()) + 10)

    await spawnit.api.run("mutation($id: ID!) { cancelJob(id: $id) { state } }", id=apply["id"])
    assert (await spawnit.api.wait_job(apply["id"], timeout=60))["state"] == "CANCELED"
    await clean_up(spawnit.api, service)
