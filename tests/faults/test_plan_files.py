"""Saved plans hold the plain text of sensitive variables: they are SpawnIt's alone
(0600 in a 0700 folder), and gone once applied or superseded by a later operation."""

from __future__ import annotations

import stat

from tests.conftest import free_port
from tests.server import Running


def mode(path) -> int:  # type: ignore[no-untyped-def]
    return stat.S_IMODE(path.stat().st_mode)


async def test_saved_plans_are_private_and_deleted_once_applied_or_superseded(spawnit: Running) -> None:
    api = spawnit.api
    tenant = (await api.run("{ me { tenantId } }"))["me"]["tenantId"]
    service = await api.create_site("plans", free_port())
    plans = spawnit.settings.workdirs / tenant / service["id"] / "plans"

    first = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    assert first["state"] == "SUCCEEDED", first
    saved = plans / f"{first['id']}.tfplan"
    assert saved.stat().st_size > 0
    assert mode(saved) == 0o600 and mode(plans) == 0o700, (oct(mode(saved)), oct(mode(plans)))

    second = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    assert second["state"] == "SUCCEEDED", second
    assert not saved.exists(), "a superseded plan is still on disk"
    assert sorted(p.name for p in plans.iterdir()) == [f"{second['id']}.tfplan"]

    applied = await api.wait_job((await api.mutate_job("applyService", service["id"], planJobId=second["id"]))["id"])
    assert applied["state"] == "SUCCEEDED", applied
    assert list(plans.iterdir()) == [], "an applied plan is still on disk"

    third = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
    destroyed = await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
    assert destroyed["state"] == "SUCCEEDED", destroyed
    assert not (plans / f"{third['id']}.tfplan").exists(), "a plan superseded by a destroy is still on disk"
