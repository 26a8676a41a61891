"""New services applied together: no job fails because another service runs `init`
(the shared plugin cache once made 4 of 64 such applies fail with "Required plugins are
not installed" / "Failed to load plugin schemas" / "fork/exec ...terraform-provider-...")."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tests.api.client import Api
from tests.conftest import free_port
from tests.server import Start

AT_ONCE = 8


async def new_services(api: Api, round_: int) -> list[str]:
    made = await asyncio.gather(
        *(api.create_site(f"r{round_}-{i}", free_port(), name=f"r{round_}-{i}") for i in range(AT_ONCE))
    )
    return [s["id"] for s in made]


def providers_outside(workdirs: Path, mirror: Path) -> list[str]:
    """Links a work directory's providers go through that lead anywhere but the work
    directory itself or the mirror (written once, at start-up): places another
    service's `init` could rewrite while this one reads them."""
    found = []
    for providers in workdirs.glob("*/*/.terraform/providers"):
        workdir = providers.parent.parent.resolve()
        for path in providers.rglob("*"):
            hop = path
            while hop.is_symlink():
                hop = (hop.parent / os.readlink(hop)).absolute()
                inside = Path(os.path.realpath(hop.parent)) / hop.name
                if not (inside.is_relative_to(workdir) or inside.is_relative_to(mirror)):
                    found.append(f"{path} goes through {inside}")
                    break
    return found


async def test_sixteen_new_services_applied_eight_at_a_time_all_succeed(start: Start) -> None:
    spawnit = await start(max_parallel_jobs=AT_ONCE, drift_interval_seconds=0)
    api = spawnit.api
    first = await new_services(api, 1)
    round_one = await asyncio.gather(*(api.mutate_job("applyService", s) for s in first))
    finals = list(await asyncio.gather(*(api.wait_job(j["id"], timeout=300) for j in round_one)))
    # the second round initialises while the first round's services plan
    second = await new_services(api, 2)
    round_two = await asyncio.gather(
        *(api.mutate_job("applyService", s) for s in second), *(api.mutate_job("planService", s) for s in first)
    )
    finals += await asyncio.gather(*(api.wait_job(j["id"], timeout=300) for j in round_two))
    failed = [(j["kind"], j["error"]) for j in finals if j["state"] != "SUCCEEDED"]
    applies = [j for j in finals if j["kind"] == "APPLY" and j["state"] == "SUCCEEDED"]
    assert not failed and len(applies) == 2 * AT_ONCE, failed
    settings = spawnit.settings
    mirror = (settings.engine_dir / "providers").resolve()
    assert not providers_outside(settings.workdirs, mirror)
    destroys = await asyncio.gather(*(api.mutate_job("destroyService", s) for s in first + second))
    ends = await asyncio.gather(*(api.wait_job(j["id"], timeout=300) for j in destroys))
    assert all(j["state"] == "SUCCEEDED" for j in ends), [j["error"] for j in ends]
