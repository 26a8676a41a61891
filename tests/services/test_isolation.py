"""Isolation lives in the domain: every operation takes the tenant, and another
tenant's id answers exactly like an id that does not exist."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.auth.tenant import tenant_for
from app.container import SpawnIt
from app.errors import NotFound
from app.main import build
from app.settings import Settings

A = tenant_for("https://issuer.test", "alice").id
B = tenant_for("https://issuer.test", "bob").id


@pytest.fixture
async def spawnit(tmp_path: Path) -> AsyncIterator[SpawnIt]:
    app = await build(Settings(data_dir=tmp_path / "data", engine="embedded"))
    yield app
    await app.runner.close()
    await app.store.close()


async def test_another_tenants_ids_are_not_found_and_nothing_changes(spawnit: SpawnIt) -> None:
    services, jobs = spawnit.services, spawnit.jobs
    mine = await services.create(A, "static-site", "local", "mine", {"title": "A's", "port": 20101})
    plan = await services.plan(A, mine.info.id)
    await spawnit.runner.wait(plan.id)
    before = (await services.get(A, mine.info.id)).info

    attempts = {
        "get": lambda: services.get(B, mine.info.id),
        "update": lambda: services.update(B, mine.info.id, "stolen", None),
        "delete": lambda: services.delete(B, mine.info.id),
        "plan": lambda: services.plan(B, mine.info.id),
        "apply": lambda: services.apply(B, mine.info.id),
        "apply plan": lambda: services.apply(B, mine.info.id, plan.id),
        "destroy": lambda: services.destroy(B, mine.info.id),
        "jobs": lambda: jobs.of_service(B, mine.info.id),
        "job": lambda: jobs.find(B, plan.id),
        "logs": lambda: jobs.log(B, plan.id),
        "cancel": lambda: services.cancel(B, plan.id, False),
    }
    nothing = str(uuid.uuid4())
    for name, attempt in attempts.items():
        with pytest.raises(NotFound) as theirs:
            await attempt()
        # the same answer as for an id that exists nowhere
        with pytest.raises(NotFound) as none:
            await {
                "job": lambda: jobs.find(B, nothing),
                "logs": lambda: jobs.log(B, nothing),
                "cancel": lambda: services.cancel(B, nothing, False),
            }.get(name, lambda: services.get(B, nothing))()
        assert theirs.value.message.replace(mine.info.id, "?").replace(plan.id, "?") == none.value.message.replace(
            nothing, "?"
        ), name

    assert await services.of_tenant(B) == []
    after = (await services.get(A, mine.info.id)).info
    assert after == before
    assert [j.id for j in await jobs.of_service(A, mine.info.id)] == [plan.id]
