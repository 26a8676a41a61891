"""The service repository: concurrent first reads, sealing at rest."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.errors import BadInput, Conflict
from app.ids import new_id
from app.services.model import ServiceInfo
from app.services.repository import ServiceRepository
from app.settings import Secret
from app.storage import keys
from app.storage.folder import FolderStore
from app.vault.box import SecretBox

T0 = datetime(2030, 1, 1, tzinfo=UTC)
TENANT = new_id()


def info(**changes: object) -> ServiceInfo:
    return dataclasses.replace(ServiceInfo(new_id(), TENANT, "n", "redis", "local", {"port": 6379}, T0, T0), **changes)


class HeldListing(FolderStore):
    """A folder store whose first listing is taken at once but answered only when the
    test says: a slow remote listing that a write overtakes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.release = asyncio.Event()
        self.taken = asyncio.Event()
        self.written = asyncio.Event()
        self._first = True

    async def put(self, key: str, data: bytes) -> None:
        await super().put(key, data)
        if key.endswith("info.json"):
            self.written.set()

    async def keys_under(self, prefix: str) -> list[str]:
        found = await super().keys_under(prefix)
        if self._first:
            self._first = False
            self.taken.set()
            await self.release.wait()
        return found


async def test_a_write_during_the_first_read_of_a_tenant_is_kept(tmp_path: Path) -> None:
    store = HeldListing(tmp_path)
    repo = ServiceRepository(store, SecretBox(Secret("k")))
    reader = asyncio.create_task(repo.of_tenant(TENANT))
    await store.taken.wait()  # the first read has its (empty) listing
    written = info()
    writer = asyncio.create_task(repo.save(written))
    await store.written.wait()  # the write reached storage while the read is held
    store.release.set()
    await asyncio.gather(reader, writer)
    assert [i.id for i in await repo.of_tenant(TENANT)] == [written.id]


async def test_concurrent_writes_on_a_tenant_not_yet_read_are_all_kept(tmp_path: Path) -> None:
    repo = ServiceRepository(FolderStore(tmp_path), SecretBox(Secret("k")))
    made = [info() for _ in range(20)]
    await asyncio.gather(*(repo.save(i) for i in made))
    assert sorted(i.id for i in await repo.of_tenant(TENANT)) == sorted(i.id for i in made)
    fresh = ServiceRepository(FolderStore(tmp_path), SecretBox(Secret("k")))
    assert len(await fresh.of_tenant(TENANT)) == 20


async def test_sensitive_values_are_sealed_in_storage_and_open_when_read(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    secret = info(variables={"port": 6379, "password": "hunter2-hunter2"}, sensitive=("password",))
    await ServiceRepository(store, SecretBox(Secret("k"))).save(secret)
    raw = (await store.get(keys.info(TENANT, secret.id))).decode()
    assert "hunter2" not in raw and json.loads(raw)["variables"]["password"].startswith("enc:v1:")
    again = await ServiceRepository(store, SecretBox(Secret("k"))).get(TENANT, secret.id)
    assert again.variables["password"] == "hunter2-hunter2"


async def test_ids_are_checked_before_the_cache_keeps_anything(tmp_path: Path) -> None:
    repo = ServiceRepository(FolderStore(tmp_path), SecretBox(Secret("k")))
    garbage = "g" * 250_000
    for tenant, service in ((garbage, new_id()), (TENANT.upper(), new_id()), (TENANT, garbage)):
        with pytest.raises(BadInput):
            await repo.get(tenant, service)
        with pytest.raises(BadInput):
            await repo.save(info(tenant=tenant, id=service))
        with pytest.raises(BadInput):
            await repo.of_tenant(tenant if tenant != TENANT else garbage)
    assert set(repo._cache) <= {TENANT} and not repo._cache.get(TENANT)
    assert await FolderStore(tmp_path).keys_under("") == []


async def test_a_record_that_cannot_be_read_is_a_broken_stand_in_never_overwritten(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    sealed = ServiceRepository(store, SecretBox(Secret("old key")))
    kept, other_key, moved = info(), info(sensitive=("password",), variables={"password": "p"}), info()
    for one in (kept, other_key, moved):
        await sealed.save(one)
    # a record copied under another service's key does not pass for that service
    stray = new_id()
    await store.put(keys.info(TENANT, stray), (await store.get(keys.info(TENANT, moved.id))) or b"")

    repo = ServiceRepository(store, SecretBox(Secret("new key")))  # SPAWNIT_SECRET_KEY changed
    found = {s.id: s for s in await repo.of_tenant(TENANT)}
    assert found[kept.id].broken is None
    assert found[other_key.id].broken is not None and "SPAWNIT_SECRET_KEY" in found[other_key.id].broken
    assert found[other_key.id].variables == {} and found[other_key.id].name == "n"
    assert found[stray].broken is not None and found[moved.id].broken is None

    before = await store.get(keys.info(TENANT, other_key.id))
    with pytest.raises(Conflict) as caught:
        await repo.save(found[other_key.id].touched(T0, name="x"))
    assert "operator" in caught.value.message
    with pytest.raises(Conflict):
        await repo.delete(found[other_key.id])
    await repo.save(found[other_key.id], remember=True)  # a job's bookkeeping: dropped
    assert await store.get(keys.info(TENANT, other_key.id)) == before
