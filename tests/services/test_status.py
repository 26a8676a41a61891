"""A service's status says what the engine last did to it, not how the last job ended."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.jobs.model import Job, JobKind, JobState, Phase
from app.services.model import ServiceInfo, ServiceStatus, status

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _service(**changes: object) -> ServiceInfo:
    info = ServiceInfo(
        id=str(uuid.uuid4()),
        tenant=str(uuid.uuid4()),
        name="site",
        catalog_entry="static-site",
        target="local",
        variables={"title": "a"},
        created_at=T0,
        updated_at=T0,
    )
    return replace(info, **changes)  # type: ignore[arg-type]


def _ended(info: ServiceInfo, kind: JobKind, phase: Phase | None, *, ok: bool, cancel: bool = False) -> Job:
    job = Job(id=str(uuid.uuid4()), tenant=info.tenant, service=info.id, kind=kind, seq=1, created_at=T0)
    job = job.started(T0)
    if phase is not None:
        job = job.in_phase(phase)
    if cancel:
        job = job.cancel_asked(force=False)
    return job.finished(T0 + timedelta(seconds=1), exit_code=0 if ok else 1, succeeded=ok)


def _deployed() -> ServiceInfo:
    info = _service()
    return info.after_job(_ended(info, JobKind.APPLY, Phase.APPLY, ok=True), T0, ran_with_rev=0)


def test_an_apply_deploys() -> None:
    info = _deployed()
    assert status(info, []) is ServiceStatus.DEPLOYED and not info.pending_changes


@pytest.mark.parametrize("phase", [None, Phase.INIT, Phase.PLAN])
@pytest.mark.parametrize("cancel", [True, False])
def test_a_destroy_that_ended_before_the_engine_changed_anything_leaves_it_deployed(
    phase: Phase | None, cancel: bool
) -> None:
    info = _deployed()
    job = _ended(info, JobKind.DESTROY, phase, ok=False, cancel=cancel)
    assert job.state is (JobState.CANCELED if cancel else JobState.FAILED)
    after = info.after_job(job, T0)
    assert status(after, []) is ServiceStatus.DEPLOYED
    assert after.applied and after.last_job_id == job.id


def test_a_destroy_cut_while_destroying_is_failed() -> None:
    info = _deployed()
    after = info.after_job(_ended(info, JobKind.DESTROY, Phase.DESTROY, ok=False, cancel=True), T0)
    assert status(after, []) is ServiceStatus.FAILED


def test_an_apply_failing_in_plan_leaves_a_draft_a_draft() -> None:
    info = _service()
    after = info.after_job(_ended(info, JobKind.APPLY, Phase.PLAN, ok=False), T0)
    assert status(after, []) is ServiceStatus.DRAFT


def test_changed_variables_are_pending_until_applied() -> None:
    info = _deployed()
    changed = info.touched(T0, variables={"title": "b"}, variables_rev=info.variables_rev + 1)
    assert changed.pending_changes and status(changed, []) is ServiceStatus.CHANGED
    reapplied = changed.after_job(_ended(changed, JobKind.APPLY, Phase.APPLY, ok=True), T0, changed.variables_rev)
    assert not reapplied.pending_changes and status(reapplied, []) is ServiceStatus.DEPLOYED


def test_an_apply_that_ran_with_older_variables_leaves_them_pending() -> None:
    """The variables changed while the apply ran with the earlier ones."""
    info = _deployed()
    changed = info.touched(T0, variables={"title": "b"}, variables_rev=1)
    after = changed.after_job(_ended(changed, JobKind.APPLY, Phase.APPLY, ok=True), T0, ran_with_rev=0)
    assert after.pending_changes and status(after, []) is ServiceStatus.CHANGED


def test_a_destroy_clears_pending_changes() -> None:
    changed = _deployed().touched(T0, variables={"title": "b"}, variables_rev=1)
    after = changed.after_job(_ended(changed, JobKind.DESTROY, Phase.DESTROY, ok=True), T0)
    assert not after.pending_changes and status(after, []) is ServiceStatus.DESTROYED


def test_the_revisions_survive_the_record() -> None:
    changed = _deployed().touched(T0, variables={"title": "b"}, variables_rev=1)
    assert ServiceInfo.from_record(changed.to_record()).pending_changes
