"""The verdict rules as pure functions, and the probe against real sockets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.drift.model import Drift, DriftStatus, Health, HealthStatus, verdict
from app.drift.probe import probe
from app.drift.schedule import interval_of, next_check
from app.engine.json_events import ResourceChange, RunView
from app.jobs.model import Job, JobKind
from app.services.model import ServiceInfo, ServiceStatus, status

T0 = datetime(2030, 1, 1, tzinfo=UTC)
PROC = (ResourceChange("spawnit_process.service", "create"),)


def job(kind: JobKind, *, ok: bool = True, changes: bool = False, canceled: bool = False) -> Job:
    j = Job(id="j", tenant="t", service="s", kind=kind, seq=1, created_at=T0).started(T0)
    j = j.observed(RunView(planned=PROC if changes else ()))
    if canceled:
        j = j.cancel_asked(True)
    return j.finished(
        T0, exit_code=2 if changes else 0, succeeded=ok, has_changes=changes, error=None if ok else "boom"
    )


def test_a_check_that_finds_changes_is_drifted_with_its_resources() -> None:
    d = verdict(Drift(DriftStatus.IN_SYNC, since=T0), job(JobKind.DRIFT_CHECK, changes=True), T0 + timedelta(1))
    assert d.status is DriftStatus.DRIFTED and d.resources == PROC and d.since == T0 + timedelta(1)


def test_the_same_verdict_keeps_its_since() -> None:
    first = verdict(Drift(), job(JobKind.DRIFT_CHECK, changes=True), T0)
    again = verdict(first, job(JobKind.DRIFT_CHECK, changes=True), T0 + timedelta(hours=1))
    assert again.since == T0 and again.checked_at == T0 + timedelta(hours=1)


def test_failed_check_is_check_failed_and_canceled_says_nothing() -> None:
    assert verdict(Drift(), job(JobKind.DRIFT_CHECK, ok=False), T0).status is DriftStatus.CHECK_FAILED
    assert verdict(Drift(), job(JobKind.DRIFT_CHECK, canceled=True), T0) is None


@pytest.mark.parametrize("kind", [JobKind.APPLY, JobKind.DESTROY])
def test_a_successful_operation_is_in_sync(kind: JobKind) -> None:
    assert verdict(Drift(DriftStatus.DRIFTED), job(kind), T0).status is DriftStatus.IN_SYNC
    assert verdict(Drift(DriftStatus.DRIFTED), job(kind, ok=False), T0) is None


def test_a_plan_says_nothing_about_drift() -> None:
    assert verdict(Drift(DriftStatus.DRIFTED), job(JobKind.PLAN, changes=True), T0) is None


def info(**changes: object) -> ServiceInfo:
    base = ServiceInfo("s", "t", "n", "static-site", "local", {}, T0, T0)
    return base.__class__(**{**base.__dict__, **changes})


def test_watched_services_are_the_live_ones() -> None:
    assert not info().watched
    assert info(applied=True).watched
    assert info(last_operation="DESTROY").watched
    assert not info(applied=True, drift_interval=0).watched


def test_drifted_shows_in_the_status_unless_an_operation_runs() -> None:
    drifted = info(applied=True, drift=Drift(DriftStatus.DRIFTED))
    assert status(drifted, []) is ServiceStatus.DRIFTED
    running_apply = Job(id="a", tenant="t", service="s", kind=JobKind.APPLY, seq=2, created_at=T0)
    assert status(drifted, [running_apply]) is ServiceStatus.DEPLOYING


def test_history_records_changes_only() -> None:
    i = info(applied=True)
    i = i.with_verdicts(T0, Drift(DriftStatus.IN_SYNC), Health(HealthStatus.HEALTHY))
    i = i.with_verdicts(T0, Drift(DriftStatus.IN_SYNC), Health(HealthStatus.HEALTHY))
    i = i.with_verdicts(T0, Drift(DriftStatus.DRIFTED), None)
    assert [(c.kind, c.old, c.new) for c in i.history] == [
        ("DRIFT", "UNKNOWN", "IN_SYNC"),
        ("HEALTH", "UNKNOWN", "HEALTHY"),
        ("DRIFT", "IN_SYNC", "DRIFTED"),
    ]
    assert ServiceInfo.from_record(i.to_record()) == i


def test_checks_kept_are_bounded() -> None:
    i, dropped = info(), ()
    for n in range(25):
        i, gone = i.keeping_check(f"c{n}")
        dropped += gone
    assert len(i.check_jobs) == 20 and i.check_jobs[-1] == "c24" and dropped == tuple(f"c{n}" for n in range(5))


def test_schedule() -> None:
    assert next_check(T0, 10, 4, 0.5) == T0 + timedelta(seconds=12)
    assert interval_of(300, None) == 300 and interval_of(300, 0) == 0 and interval_of(300, 60) == 60


async def test_probe_tcp_http_and_silence() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"HTTP/1.0 200 OK\r\n\r\nhi")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        assert (await probe(f"127.0.0.1:{port}", 1)).status is HealthStatus.HEALTHY
        http = await probe(f"http://127.0.0.1:{port}/", 1)
        assert http.status is HealthStatus.HEALTHY and http.detail == "HTTP 200" and http.latency_ms is not None
    assert (await probe(f"127.0.0.1:{port}", 1)).status is HealthStatus.UNHEALTHY
    assert (await probe(None, 1)).status is HealthStatus.UNKNOWN
    assert (await probe("nonsense", 1)).status is HealthStatus.UNKNOWN


async def test_probe_a_server_that_never_answers_times_out() -> None:
    hang = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hang.wait()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await probe(f"http://127.0.0.1:{port}/", 0.3)
        hang.set()
    assert result.status is HealthStatus.UNHEALTHY and "TimeoutError" in result.detail


async def test_probe_http_500_is_unhealthy() -> None:
    async def fail(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"HTTP/1.0 503 Busy\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(fail, "127.0.0.1", 0)
    async with server:
        result = await probe(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/x", 1)
    assert result.status is HealthStatus.UNHEALTHY and result.detail == "HTTP 503"
