"""No job runs forever: past SPAWNIT_JOB_TIMEOUT_SECONDS a job is canceled (SIGINT),
then killed when its engine ignores that, and its record and log say why."""

from __future__ import annotations

import os
from pathlib import Path

from tests.api.catalogs import with_slow_entry
from tests.conftest import free_port
from tests.faults.engines import alive, freeze_the_next_engine
from tests.server import Start

TIMEOUT = 3.0


async def slow_apply(api):  # type: ignore[no-untyped-def]
    """A slow-site service whose apply would wait two minutes for its process."""
    service = await api.create("slow-site", "slow", port=free_port(), delay=120)
    return service, await api.mutate_job("applyService", service["id"])


async def test_a_job_running_past_the_timeout_is_canceled_and_says_why(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), job_timeout_seconds=TIMEOUT)
    api = spawnit.api
    _, apply = await slow_apply(api)  # it would wait two minutes for its process
    final = await api.wait_job(apply["id"], timeout=TIMEOUT + 60)
    assert final["state"] == "CANCELED" and final["cancelRequested"] is True, final
    assert "timed out" in final["error"] and "SPAWNIT_JOB_TIMEOUT_SECONDS" in final["error"], final
    lines = [line["text"] for line in await api.logs(apply["id"])]
    assert any(t.startswith("timed out: the job ran longer than 3s") for t in lines), lines
    # SIGINT stopped the engine cleanly: the provider gave up the process it was starting
    # (the fixture checks that nothing of the service is left running)


async def test_a_timed_out_job_whose_engine_ignores_sigint_is_killed(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), job_timeout_seconds=TIMEOUT, cancel_grace_seconds=1)
    api = spawnit.api
    _, apply = await slow_apply(api)
    engine = await freeze_the_next_engine(os.getpid())  # before it creates anything
    final = await api.wait_job(apply["id"], timeout=TIMEOUT + 60)
    assert final["state"] == "CANCELED" and final["forced"] is True, final
    assert "timed out" in final["error"], final
    assert not alive(engine)
    lines = [line["text"] for line in await api.logs(apply["id"])]
    assert any("did not stop within 1s of SIGINT: killed" in t for t in lines), lines


async def test_a_catalog_entry_sets_its_own_timeout(start: Start, tmp_path: Path) -> None:
    """The entry's jobTimeoutSeconds wins over SPAWNIT_JOB_TIMEOUT_SECONDS, and says so."""
    catalog = with_slow_entry(tmp_path, jobTimeoutSeconds=TIMEOUT)
    spawnit = await start(catalog_dir=catalog, job_timeout_seconds=3600)
    _, apply = await slow_apply(spawnit.api)
    final = await spawnit.api.wait_job(apply["id"], timeout=TIMEOUT + 60)
    assert final["state"] == "CANCELED", final
    assert "longer than 3s (the catalog entry's jobTimeoutSeconds)" in final["error"], final
