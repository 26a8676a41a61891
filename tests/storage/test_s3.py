"""S3Store specifics against a real moto server: bucket creation, outages, paging."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest
from botocore.exceptions import EndpointConnectionError

from app.clock import now
from app.errors import Unavailable
from app.ids import new_id
from app.jobs.logs import LogBook
from app.jobs.repository import JobRepository
from app.settings import S3Settings, Secret
from app.storage import keys
from app.storage.s3 import S3Store
from tests.jobs.fakes import TENANT, job

SECRET = "do-not-show-me-7f3a"


async def test_ensure_bucket_is_idempotent(s3_settings: S3Settings) -> None:
    store = await S3Store.open(s3_settings)
    try:
        await store.ensure_bucket()
        await store.ensure_bucket()
        await store.put("catalog.json", b"{}")
        await store.ensure_bucket()  # an existing bucket keeps its objects
        assert await store.get("catalog.json") == b"{}"
    finally:
        await store.close()


async def test_ensure_bucket_outside_us_east_1(s3_settings: S3Settings) -> None:
    store = await S3Store.open(dataclasses.replace(s3_settings, region="eu-west-1"))
    try:
        await store.ensure_bucket()
        await store.ensure_bucket()
        await store.put("catalog.json", b"{}")
        assert await store.keys_under("") == ["catalog.json"]
    finally:
        await store.close()


async def test_missing_bucket_is_unavailable(s3_settings: S3Settings) -> None:
    store = await S3Store.open(s3_settings)  # bucket never created
    try:
        with pytest.raises(Unavailable):
            await store.put("catalog.json", b"{}")
    finally:
        await store.close()


@pytest.mark.parametrize("op", ["get", "put", "delete", "list", "ensure_bucket"])
async def test_unreachable_endpoint_is_unavailable_without_secrets(op: str, free_tcp_port: int) -> None:
    settings = S3Settings(
        bucket="spawnit",
        endpoint=f"http://127.0.0.1:{free_tcp_port}",  # nothing listens: connection refused
        access_key_id=Secret("AKIA" + SECRET),
        secret_access_key=Secret(SECRET),
    )
    store = await S3Store.open(settings, max_attempts=1)
    calls = {
        "get": lambda: store.get("catalog.json"),
        "put": lambda: store.put("catalog.json", b"{}"),
        "delete": lambda: store.delete("catalog.json"),
        "list": lambda: store.keys_under("clients/"),
        "ensure_bucket": lambda: store.ensure_bucket(),
    }
    try:
        with pytest.raises(Unavailable) as caught:
            await calls[op]()
    finally:
        await store.close()
    assert isinstance(caught.value.__cause__, EndpointConnectionError)
    message = str(caught.value)
    assert message.startswith("storage unreachable: ") and f"127.0.0.1:{free_tcp_port}" in message
    assert SECRET not in message and SECRET not in repr(caught.value) and SECRET not in str(caught.value.__cause__)
    assert caught.value.code == "UNAVAILABLE"


async def test_endpoint_user_info_is_not_shown(free_tcp_port: int) -> None:
    settings = S3Settings(endpoint=f"http://user:{SECRET}@127.0.0.1:{free_tcp_port}")
    store = await S3Store.open(settings, max_attempts=1)
    try:
        with pytest.raises(Unavailable) as caught:
            await store.get("catalog.json")
    finally:
        await store.close()
    assert SECRET not in str(caught.value)
    assert f"http://127.0.0.1:{free_tcp_port}" in str(caught.value)


async def test_default_credential_chain(s3_settings: S3Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    settings = dataclasses.replace(s3_settings, access_key_id=Secret(""), secret_access_key=Secret(""))
    store = await S3Store.open(settings)
    try:
        await store.ensure_bucket()
        await store.put("catalog.json", b"{}")
        assert await store.get("catalog.json") == b"{}"
    finally:
        await store.close()


async def test_list_paginates_past_1000_keys(s3_store: S3Store) -> None:
    keys = [f"clients/t/s/jobs/{i:05d}.json" for i in range(1100)]
    for start in range(0, len(keys), 100):
        await asyncio.gather(*(s3_store.put(key, b"x") for key in keys[start : start + 100]))
    await s3_store.put("clients/u/other.json", b"x")
    assert await s3_store.keys_under("clients/t/") == keys


async def test_a_bucket_it_created_is_created_again_once_for_many_writes(
    s3_settings: S3Settings, caplog: pytest.LogCaptureFixture
) -> None:
    store = await S3Store.open(s3_settings)
    try:
        await store.ensure_bucket()
        assert store.created_bucket
        await store.put("a", b"1")
        await store.delete("a")
        await store._client.delete_bucket(Bucket=s3_settings.bucket)
        caplog.set_level(logging.ERROR)
        await asyncio.gather(*(store.put(f"k/{i}", b"x") for i in range(20)))
        assert await store.keys_under("k/") == sorted(f"k/{i}" for i in range(20))
        assert len([r for r in caplog.records if "created it again" in r.getMessage()]) == 1
        assert await store.check() is None
    finally:
        await store.close()


async def test_a_bucket_it_did_not_create_is_not_created_again(s3_settings: S3Settings) -> None:
    store = await S3Store.open(s3_settings)  # the bucket is the operator's: ensure_bucket never ran
    try:
        for call in (lambda: store.put("a", b"1"), lambda: store.get("a"), lambda: store.keys_under("")):
            with pytest.raises(Unavailable) as caught:
                await call()
            assert "does not exist" in str(caught.value) and "restore it" in str(caught.value)
        reason = await store.check()
        assert reason is not None and "does not exist" in reason
        assert await store.check() == reason  # still gone: nothing created it
    finally:
        await store.close()


async def test_a_job_log_flushed_in_chunks_reads_back_and_is_archived_on_s3(s3_store: S3Store) -> None:
    """S3 has no append: each flush is an object of its own, read back in line order."""
    repo, left = JobRepository(s3_store), job(new_id())
    book = LogBook()
    for flush in range(12):  # past 10 chunks: their keys must sort by number, not by text
        first = len(book.lines)
        book.add(f"line {flush}", now())
        await repo.append_log(left, book.lines[first:])
    prefix = keys.job_log_chunks(TENANT, left.service, left.id)
    assert len(await s3_store.keys_under(prefix)) == 12
    texts = [f"line {n}" for n in range(12)]
    assert [line.text for line in await repo.load_log(TENANT, left.service, left.id)] == texts
    await repo.save_log(left, book.lines)
    assert await s3_store.keys_under(prefix) == []
    assert [line.text for line in await repo.load_log(TENANT, left.service, left.id)] == texts
