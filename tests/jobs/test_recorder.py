"""The recorder: the log flushed while a job runs (only new lines, record with it), the
end of a job (last record and log, bookkeeping, dropped checks deleted, final event),
and jobs a stopped process left running recorded INTERRUPTED."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.bus import InMemoryBus, job_topic
from app.clock import now
from app.ids import new_id
from app.jobs.live import LiveJob
from app.jobs.model import Job, JobKind, JobState
from app.jobs.recorder import JobRecorder
from app.jobs.registry import LiveJobs
from app.jobs.repository import JobRepository
from app.jobs.updates import JobEvent
from app.storage.folder import FolderStore
from tests.jobs.fakes import TENANT, Services, job


class Host:
    def __init__(self, bus: InMemoryBus) -> None:
        self.bus = bus
        self.grace = 1.0

    def job_state_changed(self, job: Job, old: JobState | None) -> None:
        pass


class Counting(FolderStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.puts = 0

    async def put(self, key: str, data: bytes) -> None:
        self.puts += 1
        await super().put(key, data)


def parts(tmp: Path) -> tuple[JobRecorder, JobRepository, Counting, InMemoryBus, LiveJobs, Services]:
    store, bus, registry, services = Counting(tmp / "store"), InMemoryBus(), LiveJobs(kept_after_end=0), Services(tmp)
    repo = JobRepository(store)
    return JobRecorder(repo, bus, services, registry), repo, store, bus, registry, services


async def test_a_flush_writes_the_new_lines_and_nothing_when_none_came(tmp_path: Path) -> None:
    recorder, repo, store, bus, _, _ = parts(tmp_path)
    lj = LiveJob(Host(bus), job(new_id()))
    await recorder.first(lj.job)
    lj.log("one")
    lj.log("two")
    await recorder.flush(lj)
    assert [line.text for line in await repo.load_log(TENANT, lj.job.service, lj.job.id)] == ["one", "two"]
    lj.log("three")
    await recorder.flush(lj)
    assert [line.text for line in await repo.load_log(TENANT, lj.job.service, lj.job.id)] == ["one", "two", "three"]
    assert lj.book.flushed == 3
    writes = store.puts
    await recorder.flush(lj)  # nothing new: nothing written
    assert store.puts == writes


async def test_the_end_of_a_job(tmp_path: Path) -> None:
    recorder, repo, _, bus, registry, services = parts(tmp_path)
    service = new_id()
    old_check = job(service, JobKind.DRIFT_CHECK)
    await repo.save(old_check)
    services.drop = (old_check.id,)  # the bookkeeping keeps it no longer
    lj = LiveJob(Host(bus), job(service))
    registry.add(lj)
    await recorder.first(lj.job)
    lj.advance(lj.job.started(now()))
    lj.log("done")
    lj.advance(lj.job.finished(now(), exit_code=0, error=None, succeeded=True), publish=False)
    with bus.subscribe(job_topic(lj.job.id)) as events:
        await recorder.end(lj)
        final = await events.get()
    assert isinstance(final, JobEvent) and final.job.state is JobState.SUCCEEDED
    assert lj.ended.is_set()
    assert [j.id for j in services.ended] == [lj.job.id]
    stored = await repo.load(TENANT, service, lj.job.id)
    assert stored is not None and stored.state is JobState.SUCCEEDED
    assert [line.text for line in await repo.load_log(TENANT, service, lj.job.id)] == ["done"]
    assert await repo.load(TENANT, service, old_check.id) is None and repo.locate(old_check.id) is None


async def test_a_job_a_stopped_process_left_running_is_recovered_interrupted(tmp_path: Path) -> None:
    recorder, repo, _, _, _, services = parts(tmp_path)
    left = job(new_id())
    left = left.started(now())
    await repo.save(left)
    recovered = await recorder.recover(grace=1.0)
    assert [j.id for j in recovered] == [left.id]
    stored = await repo.load(TENANT, left.service, left.id)
    assert stored is not None and stored.state is JobState.INTERRUPTED
    log = await repo.load_log(TENANT, left.service, left.id)
    assert log[-1].text == "job interrupted: the SpawnIt process running it stopped"
    assert [j.id for j in services.ended] == [left.id]


def counting_encode(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """The number of lines of each `encode` the repository makes, in order."""
    import app.jobs.repository as repository

    counts: list[int] = []
    real = repository.encode

    def encode(lines):  # type: ignore[no-untyped-def]
        counts.append(len(lines))
        return real(lines)

    monkeypatch.setattr(repository, "encode", encode)
    return counts


async def test_a_flush_encodes_only_the_lines_since_the_last_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    recorder, repo, store, bus, registry, _ = parts(tmp_path)
    encoded = counting_encode(monkeypatch)
    lj = LiveJob(Host(bus), job(new_id()))
    registry.add(lj)
    await recorder.first(lj.job)
    lj.advance(lj.job.started(now()))
    flushes, per_flush = 40, 25
    for f in range(flushes):
        for i in range(per_flush):
            lj.log(f"line {f}.{i}")
        await recorder.flush(lj)
    # O(new lines): every line encoded once over the whole run (a whole-log flush: 20,500)
    assert sum(encoded) == flushes * per_flush and max(encoded) == per_flush
    expected = [f"line {f}.{i}" for f in range(flushes) for i in range(per_flush)]
    stored = await repo.load_log(TENANT, lj.job.service, lj.job.id)
    assert [line.text for line in stored] == expected and [line.number for line in stored] == list(range(len(expected)))
    prefix = f"clients/{TENANT}/{lj.job.service}/jobs/{lj.job.id}.log."
    assert len(await store.keys_under(prefix)) == flushes  # one chunk per flush
    lj.advance(lj.job.finished(now(), exit_code=0, error=None, succeeded=True), publish=False)
    encoded.clear()
    await recorder.end(lj)
    assert encoded == [flushes * per_flush]  # the archived log, written once
    assert await store.keys_under(prefix) == []  # its chunks gone
    assert [line.text for line in await repo.load_log(TENANT, lj.job.service, lj.job.id)] == expected


async def test_a_job_killed_mid_run_leaves_chunks_that_recovery_archives(tmp_path: Path) -> None:
    recorder, repo, store, bus, _, _ = parts(tmp_path)
    lj = LiveJob(Host(bus), job(new_id()))
    lj.advance(lj.job.started(now()))
    await recorder.first(lj.job)
    for text in ("one", "two", "three"):
        lj.log(text)
        await recorder.flush(lj)
    # the process dies here: chunks, a RUNNING record, no archived log
    service, job_id = lj.job.service, lj.job.id
    prefix = f"clients/{TENANT}/{service}/jobs/{job_id}.log"
    assert await store.get(prefix) is None and len(await store.keys_under(prefix + ".")) == 3
    again = JobRecorder(JobRepository(store), InMemoryBus(), Services(tmp_path), LiveJobs(kept_after_end=0))
    assert [j.id for j in await again.recover(grace=1.0)] == [job_id]
    texts = [line.text for line in await JobRepository(store).load_log(TENANT, service, job_id)]
    assert texts == ["one", "two", "three", "job interrupted: the SpawnIt process running it stopped"]
    assert await store.get(prefix) is not None and await store.keys_under(prefix + ".") == []


async def test_deleting_a_job_deletes_the_chunks_of_its_log(tmp_path: Path) -> None:
    recorder, repo, store, bus, _, _ = parts(tmp_path)
    lj = LiveJob(Host(bus), job(new_id()))
    await recorder.first(lj.job)
    lj.log("one")
    await recorder.flush(lj)
    lj.log("two")
    await recorder.flush(lj)
    jobs = f"clients/{TENANT}/{lj.job.service}/jobs/"
    assert len(await store.keys_under(jobs)) == 3
    await repo.delete(TENANT, lj.job.service, lj.job.id)
    assert await store.keys_under(jobs) == []


class Held(FolderStore):
    """A store whose chunk writes wait until the test lets them through."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writing = asyncio.Event()
        self.release = asyncio.Event()

    async def put(self, key: str, data: bytes) -> None:
        if ".log." in key:
            self.writing.set()
            await self.release.wait()
        await super().put(key, data)


async def test_stopping_the_flush_waits_for_a_write_under_way_so_none_lands_after_the_end(tmp_path: Path) -> None:
    store, bus, registry, services = (
        Held(tmp_path / "store"),
        InMemoryBus(),
        LiveJobs(kept_after_end=0),
        Services(tmp_path),
    )
    repo = JobRepository(store)
    recorder = JobRecorder(repo, bus, services, registry, flush_seconds=0.01)
    lj = LiveJob(Host(bus), job(new_id()))
    await recorder.first(lj.job)
    lj.log("one")
    flushing = recorder.flushing(lj)
    await asyncio.wait_for(store.writing.wait(), 5)  # a chunk write is under way
    stopping = asyncio.ensure_future(flushing.stop())
    await asyncio.sleep(0)
    assert not stopping.done(), "stop returned while a chunk was still being written"
    store.release.set()
    await asyncio.wait_for(stopping, 5)
    lj.advance(lj.job.finished(now(), exit_code=0, succeeded=True), publish=False)
    await recorder.end(lj)
    keys = await store.keys_under(f"clients/{TENANT}/{lj.job.service}/jobs/")
    assert not [k for k in keys if ".log." in k], keys  # no chunk outlived the archived log
