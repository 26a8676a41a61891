"""Ids become keys only in their one canonical spelling: anything else is refused before
a key, a cache or an index keeps it (a 250 kB garbage id grew the server for good)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.errors import BadInput
from app.jobs.model import Job, JobKind
from app.jobs.repository import JobRepository
from app.storage import keys
from app.storage.folder import FolderStore

GOOD = str(uuid.uuid4())
BAD = [
    "x" * 250_000,
    GOOD.upper(),
    "{" + GOOD + "}",
    "urn:uuid:" + GOOD,
    GOOD.replace("-", ""),
    GOOD + "\n",
    "../" + GOOD[3:],
    "",
]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: repr(b[:12]) + f"/{len(b)}")
def test_every_key_refuses_an_id_that_is_not_a_canonical_uuid(bad: str) -> None:
    builders = [
        lambda: keys.tenant_prefix(bad),
        lambda: keys.service_prefix(GOOD, bad),
        lambda: keys.info(bad, GOOD),
        lambda: keys.tfvars(GOOD, bad),
        lambda: keys.state(bad, GOOD),
        lambda: keys.job_record(GOOD, GOOD, bad),
        lambda: keys.job_log(GOOD, GOOD, bad),
        lambda: keys.job_log_chunk(GOOD, bad, GOOD, 0),
    ]
    for build in builders:
        with pytest.raises(BadInput) as caught:
            build()
        assert len(caught.value.message) < 100  # the id is not quoted back
    assert not keys.is_id(bad)


def test_a_canonical_uuid_is_its_own_key() -> None:
    assert keys.job_log(GOOD, GOOD, GOOD) == f"clients/{GOOD}/{GOOD}/jobs/{GOOD}.log"
    assert keys.is_id(GOOD)


def test_a_log_chunk_is_named_by_its_first_line_zero_padded_so_keys_sort_in_line_order() -> None:
    prefix = keys.job_log_chunks(GOOD, GOOD, GOOD)
    assert keys.job_log_chunk(GOOD, GOOD, GOOD, 42) == prefix + "0000000042"
    assert sorted(keys.job_log_chunk(GOOD, GOOD, GOOD, n) for n in (100, 9, 10)) == [
        keys.job_log_chunk(GOOD, GOOD, GOOD, n) for n in (9, 10, 100)
    ]
    for bad in (-1, 10**10, True, "1"):
        with pytest.raises(ValueError):
            keys.job_log_chunk(GOOD, GOOD, GOOD, bad)  # type: ignore[arg-type]
    assert keys.is_log_chunk(prefix + "0000000042", prefix)
    assert not keys.is_log_chunk(prefix + "42", prefix) and not keys.is_log_chunk(prefix + "000000004x", prefix)


async def test_the_job_index_keeps_no_garbage_id(tmp_path: Path) -> None:
    repo = JobRepository(FolderStore(tmp_path))
    now = datetime.now(UTC)
    for bad in BAD:
        with pytest.raises(BadInput):
            await repo.save(Job(bad, GOOD, GOOD, JobKind.PLAN, 1, now))
        with pytest.raises(BadInput):
            await repo.save(Job(GOOD, bad, GOOD, JobKind.PLAN, 1, now))
        assert repo.locate(bad) is None
        with pytest.raises(BadInput):
            await repo.load(GOOD, GOOD, bad)
    assert repo._where == {}  # nothing was kept
    assert await FolderStore(tmp_path).keys_under("") == []


async def test_garbage_keys_in_storage_are_not_indexed(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    await store.put(f"clients/{GOOD}/{GOOD}/jobs/{GOOD.upper()}.json", b"{}")
    await store.put(f"clients/{GOOD}/not-an-id/jobs/{GOOD}.json", b"{}")
    repo = JobRepository(store)
    assert await repo.load_index() == []
    assert repo._where == {}
