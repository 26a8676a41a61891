"""A page of services builds views (status, live jobs) for the page only, not for
every service of the tenant: paged over the stored records first. A status filter and
the counts compute one status per service, and build no API view beyond the page."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import app.services.listing as listing
import app.services.reads as reads
from app.auth.oidc import Identity
from app.auth.tenant import tenant_for
from app.container import SpawnIt
from app.ids import new_id
from app.main import build
from app.services.model import ServiceInfo
from app.settings import Settings
from schema import types
from schema.context import Context
from schema.root import build_schema

A = tenant_for("https://issuer.test", "alice")
T0 = datetime(2030, 1, 1, tzinfo=UTC)
QUERY = "query($after: String) { services(first: 5, after: $after) { edges { cursor node { id status } } } }"
ADMIN_QUERY = "{ allServices(first: 5) { edges { node { id } } } }"


@pytest.fixture
async def spawnit(tmp_path: Path) -> AsyncIterator[SpawnIt]:
    app = await build(Settings(data_dir=tmp_path / "data", engine="embedded"))
    yield app
    await app.runner.close()
    await app.store.close()


@pytest.fixture
def views(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the services whose status was computed (one per view built)."""
    built: list[str] = []
    real = reads.status

    def counting(info: ServiceInfo, *args: Any) -> Any:
        built.append(info.id)
        return real(info, *args)

    monkeypatch.setattr(reads, "status", counting)
    monkeypatch.setattr(listing, "status", counting)  # a status filter and the counts
    return built


async def sixty(spawnit: SpawnIt) -> list[str]:
    made = []
    for n in range(60):
        at = T0 + timedelta(seconds=n)
        info = ServiceInfo(new_id(), A.id, f"s{n}", "redis", "local", {"port": 20000 + n}, at, at)
        await spawnit.services._repo.save(info)
        made.append(info.id)
    return made


async def test_a_page_of_five_builds_five_views(spawnit: SpawnIt, views: list[str]) -> None:
    made = await sixty(spawnit)
    schema = build_schema()
    ctx = Context(app=spawnit, identity=Identity(A, expires_at=1e12))
    first = await schema.execute(QUERY, context_value=ctx)
    assert first.errors is None, first.errors
    edges = first.data["services"]["edges"]  # type: ignore[index]
    assert [e["node"]["id"] for e in edges] == made[:5]
    assert sorted(views) == sorted(made[:5])  # 5 views built, not 60

    views.clear()
    after = edges[-1]["cursor"]
    second = await schema.execute(QUERY, variable_values={"after": after}, context_value=ctx)
    assert second.errors is None, second.errors
    assert [e["node"]["id"] for e in second.data["services"]["edges"]] == made[5:10]  # type: ignore[index]
    assert sorted(views) == sorted(made[5:10])


async def test_all_services_builds_views_for_its_page_only(spawnit: SpawnIt, views: list[str]) -> None:
    made = await sixty(spawnit)
    admin = dataclasses.replace(tenant_for("https://issuer.test", "root"), admin=True)
    ctx = Context(app=spawnit, identity=Identity(admin, expires_at=1e12))
    answer = await build_schema().execute(ADMIN_QUERY, context_value=ctx)
    assert answer.errors is None, answer.errors
    assert [e["node"]["id"] for e in answer.data["allServices"]["edges"]] == made[:5]  # type: ignore[index]
    assert sorted(views) == sorted(made[:5])


@pytest.fixture
def api_views(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the services an API view (`Service`) was built for."""
    built: list[str] = []
    real = types.Service.of

    def counting(view: Any, ctx: Any) -> Any:
        built.append(view.info.id)
        return real(view, ctx)

    monkeypatch.setattr(types.Service, "of", staticmethod(counting))
    return built


async def sixty_some_deployed(spawnit: SpawnIt) -> list[str]:
    """60 services, every third one deployed: the deployed ones' ids."""
    deployed = []
    for n in range(60):
        at = T0 + timedelta(seconds=n)
        info = ServiceInfo(new_id(), A.id, f"s{n}", "redis", "local", {"port": 20000 + n}, at, at, applied=n % 3 == 0)
        await spawnit.services._repo.save(info)
        if info.applied:
            deployed.append(info.id)
    return deployed


FILTERED = "query($f: ServiceFilter) { services(first: 5, filter: $f) { totalCount edges { node { id status } } } }"


async def test_a_status_filter_computes_each_status_once_and_views_only_its_page(
    spawnit: SpawnIt, views: list[str], api_views: list[str]
) -> None:
    deployed = await sixty_some_deployed(spawnit)
    ctx = Context(app=spawnit, identity=Identity(A, expires_at=1e12))
    answer = await build_schema().execute(FILTERED, variable_values={"f": {"status": "DEPLOYED"}}, context_value=ctx)
    assert answer.errors is None, answer.errors
    page = answer.data["services"]  # type: ignore[index]
    assert [e["node"]["id"] for e in page["edges"]] == deployed[:5] and page["totalCount"] == 20
    assert len(views) == 60 and len(set(views)) == 60  # each status once, the page's reused
    assert api_views == deployed[:5]

    views.clear()
    api_views.clear()
    answer = await build_schema().execute(FILTERED, variable_values={"f": {"search": "S1"}}, context_value=ctx)
    assert answer.errors is None, answer.errors
    assert answer.data["services"]["totalCount"] == 11  # type: ignore[index]  # s1, s10..s19
    assert len(views) == 5 and len(api_views) == 5  # a filter on the record alone needs no status


async def test_counts_compute_one_status_per_service_and_build_no_view(
    spawnit: SpawnIt, views: list[str], api_views: list[str]
) -> None:
    await sixty_some_deployed(spawnit)
    ctx = Context(app=spawnit, identity=Identity(A, expires_at=1e12))
    query = "{ serviceCounts { total deployed byStatus { status count } } }"
    answer = await build_schema().execute(query, context_value=ctx)
    assert answer.errors is None, answer.errors
    counts = answer.data["serviceCounts"]  # type: ignore[index]
    assert (counts["total"], counts["deployed"]) == (60, 20)
    assert sorted(views) == sorted(set(views)) and len(views) == 60
    assert api_views == []
