"""The store failing under a running SpawnIt (a real moto S3): `/readyz` says so with the
reason, `/healthz` stays up, and SpawnIt recovers: a bucket SpawnIt created is created
again; a bucket the operator made is not, and every answer says what to do."""

from __future__ import annotations

import logging
import shutil

import httpx
import pytest

from app.settings import S3Settings
from app.storage.s3 import S3Store
from tests.api.client import Api
from tests.conftest import free_port
from tests.server import Running, Start


async def get(running: Running, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=running.url, timeout=60) as client:
        return await client.get(path)


async def remove_bucket(settings: S3Settings) -> None:
    """Delete the bucket under SpawnIt's feet: every object first, then the bucket."""
    store = await S3Store.open(settings)
    try:
        for key in await store.keys_under(""):
            await store.delete(key)
        await store._client.delete_bucket(Bucket=settings.bucket)
    finally:
        await store.close()


async def apply_and_destroy(api: Api) -> None:
    service = await api.create_site("after the bucket", free_port())
    apply = await api.mutate_job("applyService", service["id"])
    assert (await api.wait_job(apply["id"]))["state"] == "SUCCEEDED"
    destroy = await api.mutate_job("destroyService", service["id"])
    assert (await api.wait_job(destroy["id"]))["state"] == "SUCCEEDED"


async def test_a_bucket_spawnit_created_is_created_again_when_it_disappears(
    start: Start, s3_settings: S3Settings, caplog: pytest.LogCaptureFixture
) -> None:
    spawnit = await start(store="s3", s3=s3_settings)  # the bucket does not exist: SpawnIt creates it
    assert (await get(spawnit, "/readyz")).json() == {"status": "ok"}
    before = await spawnit.api.create_site("before", free_port())

    caplog.set_level(logging.ERROR)
    await remove_bucket(s3_settings)
    answer = await get(spawnit, "/readyz")  # on main: 404, there is no /readyz
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"
    assert f"bucket '{s3_settings.bucket}' did not exist" in answer.json()["reason"]
    assert (await get(spawnit, "/healthz")).status_code == 200  # liveness is not readiness
    assert (await get(spawnit, "/readyz")).json() == {"status": "ok"}  # created again
    assert any("created it again, EMPTY" in r.getMessage() for r in caplog.records)

    # and it works again: a new service applies (and the old one can be deleted)
    await apply_and_destroy(spawnit.api)
    await spawnit.api.run("mutation($id: ID!) { deleteService(id: $id) { id } }", id=before["id"])

    # a write that finds it gone creates it again too, with no readiness check between
    await remove_bucket(s3_settings)
    await apply_and_destroy(spawnit.api)  # on main: UNAVAILABLE (NoSuchBucket) forever


async def test_a_bucket_the_operator_made_is_not_created_again_and_answers_say_what_to_do(
    start: Start, s3_settings: S3Settings
) -> None:
    store = await S3Store.open(s3_settings)
    await store.ensure_bucket()  # the operator's bucket, there before SpawnIt starts
    await store.close()
    spawnit = await start(store="s3", s3=s3_settings)
    service = await spawnit.api.create_site("site", free_port())

    await remove_bucket(s3_settings)
    for _ in range(2):  # it stays unavailable: SpawnIt does not create it
        answer = await get(spawnit, "/readyz")
        assert answer.status_code == 503, answer.text
        reason = answer.json()["reason"]
        assert "does not exist" in reason and "restore it" in reason and "infra/configs" in reason
    errors = await spawnit.api.errors(
        "mutation($id: ID!) { planService(id: $id) { id } }",
        id=service["id"],
    )
    assert errors.codes == ["UNAVAILABLE"]
    assert "does not exist" in errors.errors[0]["message"] and "restore it" in errors.errors[0]["message"]

    store = await S3Store.open(s3_settings)
    await store.ensure_bucket()  # the operator restores it
    await store.close()
    assert (await get(spawnit, "/readyz")).json() == {"status": "ok"}
    await apply_and_destroy(spawnit.api)


async def test_an_unreachable_store_is_not_ready_but_alive(start: Start, private_moto: tuple) -> None:
    settings, moto = private_moto
    spawnit = await start(store="s3", s3=settings, lock_timeout_seconds=1)
    assert (await get(spawnit, "/readyz")).status_code == 200
    moto.terminate()
    moto.wait(timeout=30)
    answer = await get(spawnit, "/readyz")
    assert answer.status_code == 503
    assert answer.json()["reason"].startswith("storage unreachable: ") and "check that" in answer.json()["reason"]
    assert (await get(spawnit, "/healthz")).status_code == 200
    errors = await spawnit.api.errors(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
        i={
            "catalogEntryId": "static-site",
            "target": "local",
            "name": "x",
            "variables": {"title": "t", "port": free_port()},
        },
    )
    assert errors.codes == ["UNAVAILABLE"], errors.errors
    assert "check that" in errors.errors[0]["message"]


async def test_a_folder_store_that_disappears_is_reported_then_created_again(start: Start) -> None:
    spawnit = await start()
    assert (await get(spawnit, "/readyz")).status_code == 200
    shutil.rmtree(spawnit.settings.store_dir)
    answer = await get(spawnit, "/readyz")
    assert answer.status_code == 503 and "did not exist" in answer.json()["reason"]
    assert (await get(spawnit, "/readyz")).json() == {"status": "ok"}
    await apply_and_destroy(spawnit.api)
