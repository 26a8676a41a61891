"""One corrupt stored record never stops the server nor hides anyone else's things.

A real SpawnIt (auth on, two tenants) over the folder store and over a real moto S3 is
stopped, one record is damaged in storage, and SpawnIt is started again on the same data:
it must start, show the damaged service to its tenant as BROKEN (and refuse to change
it), keep the other services and the other tenant working, and name the damaged key in
its log (never the content)."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.auth.tenant import tenant_for
from app.jobs.model import Job, JobKind
from app.settings import S3Settings, Settings
from app.storage import keys
from app.storage.base import Store
from app.storage.folder import FolderStore
from app.storage.s3 import S3Store
from tests.api.client import Api
from tests.conftest import free_port
from tests.issuer import AUDIENCE, Issuer
from tests.server import serving
from tests.server import test_settings as server_settings

LIST = "{ services { edges { node { id name status catalogEntry { id } } } } }"
PLAN = "mutation($id: ID!) { planService(id: $id) { id } }"
JOBS = "query($id: ID!) { service(id: $id) { jobs { edges { node { id state } } } } }"
LOGS = "query($id: ID!) { job(id: $id) { state logs(fromLine: 0, limit: null) { number text } } }"


@pytest.fixture(params=["folder", "s3"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, issuer: Issuer) -> Settings:
    changes: dict[str, object] = {"oidc_issuer": issuer.url, "oidc_audience": AUDIENCE, "local_target": "tenants"}
    if request.param == "s3":
        changes |= {"store": "s3", "s3": request.getfixturevalue("s3_settings")}
    return server_settings(tmp_path, **changes)


@contextlib.asynccontextmanager
async def raw_store(settings: Settings) -> AsyncIterator[Store]:
    """The same storage SpawnIt uses, opened by the test (SpawnIt is stopped)."""
    if settings.store == "folder":
        yield FolderStore(settings.store_dir)
        return
    s3: S3Settings = settings.s3
    store = await S3Store.open(s3)
    try:
        yield store
    finally:
        await store.close()


async def create(api: Api, name: str) -> dict:
    data = await api.run(
        """mutation($input: CreateServiceInput!) { createService(input: $input) { id } }""",
        input={
            "catalogEntryId": "static-site",
            "target": "local",
            "name": name,
            "variables": {"title": name, "port": free_port()},
        },
    )
    return data["createService"]


async def listed(api: Api) -> dict[str, dict]:
    return {e["node"]["id"]: e["node"] for e in (await api.run(LIST))["services"]["edges"]}


async def test_a_truncated_info_json_shows_one_broken_service_and_nothing_else_breaks(
    settings: Settings, issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    alice_token, bob_token = issuer.token("alice"), issuer.token("bob")
    async with serving(settings) as first:
        alice, bob = first.api.as_(alice_token), first.api.as_(bob_token)
        broken = await create(alice, "will-break")
        fine = await create(alice, "stays-fine")
        bobs = await create(bob, "bobs")
    alice_tenant = tenant_for(issuer.url, "alice").id

    key = keys.info(alice_tenant, broken["id"])
    async with raw_store(settings) as store:
        raw = await store.get(key)
        assert raw is not None and b'"name": "will-break"' in raw
        cut = raw[: raw.index(b'"target"') + 5]  # truncated mid-record, its name still in it
        await store.put(key, cut)
        # and a job a dead process left running on it: recovery must get past it too
        left = Job(str(uuid.uuid4()), alice_tenant, broken["id"], JobKind.APPLY, 1, datetime.now(UTC))
        left = left.started(datetime.now(UTC))
        await store.put(keys.job_record(alice_tenant, broken["id"], left.id), json.dumps(left.to_record()).encode())

    caplog.set_level(logging.WARNING)
    async with serving(settings) as second:  # on main: "Application startup failed"
        alice, bob = second.api.as_(alice_token), second.api.as_(bob_token)
        mine = await listed(alice)
        assert mine[broken["id"]]["status"] == "BROKEN", mine
        assert mine[broken["id"]]["name"] == "will-break"  # salvaged from what is left
        assert mine[fine["id"]]["status"] == "DRAFT"
        assert set(await listed(bob)) == {bobs["id"]}
        jobs = (await alice.run(JOBS, id=broken["id"]))["service"]["jobs"]["edges"]
        assert [e["node"]["state"] for e in jobs] == ["INTERRUPTED"]

        # the broken one is refused with a clear message, and its record is left alone
        errors = await alice.errors(PLAN, id=broken["id"])
        assert errors.codes == ["CONFLICT"]
        assert "cannot be read" in errors.errors[0]["message"] and "operator" in errors.errors[0]["message"]
        for mutation in (
            "deleteService(id: $id) { id }",
            'updateService(id: $id, input: {name: "renamed"}) { id }',
            "applyService(id: $id) { id }",
            "destroyService(id: $id) { id }",
        ):
            errors = await alice.errors(f"mutation($id: ID!) {{ {mutation} }}", id=broken["id"])
            assert errors.codes == ["CONFLICT"], (mutation, errors.errors)

        # the others work end to end: a plan runs on alice's other service and on bob's
        for api, service in ((alice, fine), (bob, bobs)):
            job = (await api.run(PLAN, id=service["id"]))["planService"]
            assert (await api.wait_job(job["id"]))["state"] == "SUCCEEDED"
        after = await create(bob, "created-after")
        assert set(await listed(bob)) == {bobs["id"], after["id"]}

    async with raw_store(settings) as store:
        assert await store.get(key) == cut  # nothing overwrote the evidence
    reports = [r.getMessage() for r in caplog.records if key in r.getMessage()]
    assert reports and "cannot be read" in reports[0]
    assert "will-break" not in " ".join(r.getMessage() for r in caplog.records)  # key, never content


async def test_unknown_job_state_and_garbage_log_are_skipped_at_recovery(
    settings: Settings, issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    token = issuer.token("alice")
    async with serving(settings) as first:
        api = first.api.as_(token)
        service = await create(api, "site")
        done = (await api.run(PLAN, id=service["id"]))["planService"]
        assert (await api.wait_job(done["id"]))["state"] == "SUCCEEDED"
    tenant = tenant_for(issuer.url, "alice").id

    exploded_key = keys.job_record(tenant, service["id"], done["id"])
    running_id = str(uuid.uuid4())  # a job a dead process left RUNNING, with a damaged log
    async with raw_store(settings) as store:
        record = json.loads((await store.get(exploded_key)) or b"{}")
        await store.put(exploded_key, json.dumps({**record, "state": "EXPLODED"}).encode())
        running = {**record, "id": running_id, "state": "RUNNING", "seq": record["seq"] + 1, "pid": None}
        await store.put(keys.job_record(tenant, service["id"], running_id), json.dumps(running).encode())
        await store.put(
            keys.job_log(tenant, service["id"], running_id),
            b'{"n": 0, "t": "first", "at": "2026-01-01T00:00:00+00:00"}\n{"n": 1, "t": "cut he\n\xff\xfe garbage\n',
        )

    caplog.set_level(logging.WARNING)
    async with serving(settings) as second:  # on main: "Application startup failed"
        api = second.api.as_(token)
        jobs = (await api.run(JOBS, id=service["id"]))["service"]["jobs"]["edges"]
        states = {e["node"]["id"]: e["node"]["state"] for e in jobs}
        assert states == {running_id: "INTERRUPTED"}, states  # the EXPLODED one is skipped
        assert (await api.errors(LOGS, id=done["id"])).codes == ["NOT_FOUND"]
        job = (await api.run(LOGS, id=running_id))["job"]
        texts = [line["text"] for line in job["logs"]]
        assert texts[0] == "first" and "could not be read" in texts[1], texts
        assert [line["number"] for line in job["logs"]] == list(range(len(texts)))
        # and the service still works
        job_id = (await api.run(PLAN, id=service["id"]))["planService"]["id"]
        assert (await api.wait_job(job_id))["state"] == "SUCCEEDED"

    messages = [r.getMessage() for r in caplog.records]
    assert any(exploded_key in m and "cannot be read" in m for m in messages), messages
    assert any(keys.job_log(tenant, service["id"], running_id) in m for m in messages), messages
