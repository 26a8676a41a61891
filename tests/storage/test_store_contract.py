"""The behaviour every Store must have, run on the folder store and on S3 (moto)."""

from __future__ import annotations

import os

import pytest

from app.storage.base import Store


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest) -> Store:
    return request.getfixturevalue(f"{request.param}_store")


async def test_get_missing_is_none(store: Store) -> None:
    assert await store.get("clients/nobody/info.json") is None


async def test_put_get_round_trip_binary(store: Store) -> None:
    data = bytes(range(256)) * 4
    await store.put("clients/t/s/terraform.tfstate", data)
    assert await store.get("clients/t/s/terraform.tfstate") == data


async def test_put_empty_object(store: Store) -> None:
    await store.put("catalog.json", b"")
    assert await store.get("catalog.json") == b""


async def test_overwrite_replaces_whole_object(store: Store) -> None:
    await store.put("clients/t/s/info.json", b"a much longer first version")
    await store.put("clients/t/s/info.json", b"v2")
    assert await store.get("clients/t/s/info.json") == b"v2"


async def test_list_by_prefix_sorted_and_exact(store: Store) -> None:
    keys = ["clients/a/z.json", "clients/a/b/x.json", "clients/ab/y.json", "clients/a/c.json", "catalog.json"]
    for key in keys:
        await store.put(key, b"x")
    assert await store.keys_under("clients/a/") == ["clients/a/b/x.json", "clients/a/c.json", "clients/a/z.json"]
    assert await store.keys_under("clients/a") == [
        "clients/a/b/x.json",
        "clients/a/c.json",
        "clients/a/z.json",
        "clients/ab/y.json",
    ]
    assert await store.keys_under("") == sorted(keys)
    assert await store.keys_under("clients/nobody/") == []


async def test_delete(store: Store) -> None:
    await store.put("clients/t/s/info.json", b"x")
    await store.put("clients/t/s/jobs/j.json", b"y")
    await store.delete("clients/t/s/info.json")
    assert await store.get("clients/t/s/info.json") is None
    assert await store.keys_under("clients/t/") == ["clients/t/s/jobs/j.json"]


async def test_delete_missing_is_fine(store: Store) -> None:
    await store.delete("clients/t/s/never.json")
    await store.delete("clients/t/s/never.json")


async def test_large_object(store: Store) -> None:
    data = os.urandom(5 * 1024 * 1024 + 7)
    await store.put("clients/t/s/jobs/j.log", data)
    assert await store.get("clients/t/s/jobs/j.log") == data
