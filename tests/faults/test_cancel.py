"""Cancel always ends a job: an engine that ignores SIGINT (frozen with SIGSTOP) is
killed past the grace period, the record says so, and on S3 the state lock the killed
engine held is released, so the next job on the service runs at once."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.settings import S3Settings
from app.storage import keys
from tests.api.catalogs import with_slow_entry
from tests.api.client import Api
from tests.api.test_jobs import applying_slowly
from tests.faults.engines import alive, freeze, one_engine_of
from tests.server import Running, Start

GRACE = 1.0


async def cancel_frozen_apply(spawnit: Running) -> tuple[dict, dict, int]:
    """A slow apply whose engine is frozen, canceled (not forced): its final job."""
    api = spawnit.api
    service, apply = await applying_slowly(api)
    engine = await one_engine_of(os.getpid())
    freeze(engine)
    asked = time.monotonic()
    canceled = await api.run("mutation($id: ID!) { cancelJob(id: $id) { state forced } }", id=apply["id"])
    assert canceled["cancelJob"] == {"state": "RUNNING", "forced": False}
    final = await api.wait_job(apply["id"], timeout=GRACE + 60)
    print(f"CANCELED {time.monotonic() - asked:.1f}s after cancelJob (grace {GRACE:g}s)")  # a figure, not a check
    return service, final, engine


async def clean_up(api: Api, service: dict) -> None:
    """The killed run could not record its process: the next apply stops that stray."""
    await api.run(
        "mutation($id: ID!, $v: JSON) { updateService(id: $id, input: {variables: $v}) { id } }",
        id=service["id"],
        v={"delay": 0},
    )
    applied = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
    assert applied["state"] == "SUCCEEDED", applied
    lines = [line["text"] for line in await api.logs(applied["id"])]
    assert not [t for t in lines if "state lock" in t.lower()], lines
    destroyed = await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
    assert destroyed["state"] == "SUCCEEDED", destroyed


async def test_an_engine_that_ignores_sigint_is_killed_and_the_job_ends_canceled(start: Start, tmp_path: Path) -> None:
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path), cancel_grace_seconds=GRACE)
    service, final, engine = await cancel_frozen_apply(spawnit)
    assert final["state"] == "CANCELED", final
    assert final["forced"] is True and final["cancelRequested"] is True, final
    assert not alive(engine), "the frozen engine is still there"
    lines = [line["text"] for line in await spawnit.api.logs(final["id"])]
    assert any("did not stop within" in t and "killed" in t for t in lines), lines
    await clean_up(spawnit.api, service)


async def test_on_s3_the_lock_a_killed_engine_held_is_released(
    start: Start, tmp_path: Path, s3_settings: S3Settings
) -> None:
    spawnit = await start(
        catalog_dir=with_slow_entry(tmp_path),
        cancel_grace_seconds=GRACE,
        store="s3",
        s3=s3_settings,
        lock_timeout_seconds=5,
    )
    service, final, _ = await cancel_frozen_apply(spawnit)
    assert final["state"] == "CANCELED" and final["forced"] is True, final
    tenant = (await spawnit.api.run("{ me { tenantId } }"))["me"]["tenantId"]
    lock = await spawnit.spawnit.store.get(keys.state_lock(tenant, service["id"]))
    assert lock is None, f"the killed engine's lock file is still there: {lock!r}"
    await clean_up(spawnit.api, service)  # the next apply does not wait for the lock
