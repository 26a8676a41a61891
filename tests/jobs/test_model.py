"""Job states and their transitions; records that survive a restart."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.engine.json_events import ResourceChange, RunView, Summary
from app.errors import Conflict
from app.jobs.model import Job, JobKind, JobState, Phase

T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
T1 = T0 + timedelta(seconds=1)
T2 = T0 + timedelta(seconds=2)


@pytest.fixture
def queued() -> Job:
    return Job(
        id=str(uuid.uuid4()),
        tenant=str(uuid.uuid4()),
        service=str(uuid.uuid4()),
        kind=JobKind.APPLY,
        seq=1,
        created_at=T0,
    )


@pytest.fixture
def running(queued: Job) -> Job:
    return queued.started(T1)


def test_a_new_job_is_queued(queued: Job) -> None:
    assert queued.state is JobState.QUEUED and not queued.state.final


def test_start_makes_it_running(queued: Job) -> None:
    job = queued.started(T1)
    assert (job.state, job.started_at) == (JobState.RUNNING, T1)


@pytest.mark.parametrize("succeeded, state", [(True, JobState.SUCCEEDED), (False, JobState.FAILED)])
def test_finish_running(running: Job, succeeded: bool, state: JobState) -> None:
    job = running.in_phase(Phase.APPLY, pid=4242).finished(
        T2, exit_code=0 if succeeded else 1, error="boom", succeeded=succeeded, outputs={"o": 1}, has_changes=True
    )
    assert (job.state, job.finished_at, job.pid, job.has_changes, job.outputs) == (state, T2, None, True, {"o": 1})
    assert job.state.final
    assert job.error == (None if succeeded else "boom")  # a success carries no error


def test_cancel_asked_then_finished_is_canceled(running: Job) -> None:
    job = running.cancel_asked(force=False)
    assert job.cancel_requested and not job.forced and job.state is JobState.RUNNING
    job = job.finished(T2, exit_code=1, succeeded=False)
    assert (job.state, job.forced) == (JobState.CANCELED, False)


def test_canceled_even_if_the_engine_succeeded_and_forced_when_killed(running: Job) -> None:
    job = running.cancel_asked(force=False).finished(T2, exit_code=0, succeeded=True, killed=True)
    assert (job.state, job.forced) == (JobState.CANCELED, True)


def test_a_forced_cancel_stays_forced(running: Job) -> None:
    assert running.cancel_asked(force=True).cancel_asked(force=False).forced


@pytest.mark.parametrize("succeeded", [True, False])
def test_finished_on_a_final_job_changes_nothing(running: Job, succeeded: bool) -> None:
    done = running.finished(T1, exit_code=0, succeeded=True)
    again = done.finished(T2, exit_code=9, error="late", succeeded=succeeded, killed=True)
    assert again is done


def test_cancel_asked_on_a_final_job_is_a_conflict(running: Job) -> None:
    with pytest.raises(Conflict):
        running.finished(T2, exit_code=0, succeeded=True).cancel_asked(force=False)


@pytest.mark.parametrize("make", ["running", "final"])
def test_only_a_queued_job_starts(running: Job, make: str) -> None:
    job = running if make == "running" else running.finished(T2, exit_code=1, succeeded=False)
    with pytest.raises(Conflict):
        job.started(T2)


def test_canceled_in_queue(queued: Job, running: Job) -> None:
    job = queued.canceled_in_queue(T1)
    assert (job.state, job.cancel_requested, job.finished_at) == (JobState.CANCELED, True, T1)
    with pytest.raises(Conflict):
        running.canceled_in_queue(T2)


@pytest.mark.parametrize("which", ["queued", "running"])
def test_interrupted(request: pytest.FixtureRequest, which: str) -> None:
    job: Job = request.getfixturevalue(which)
    job = job.in_phase(Phase.INIT, pid=99).interrupted(T2)
    assert (job.state, job.finished_at, job.pid) == (JobState.INTERRUPTED, T2, None)
    assert job.error


def test_interrupted_leaves_a_final_job_alone(running: Job) -> None:
    done = running.finished(T2, exit_code=0, succeeded=True)
    assert done.interrupted(T2 + timedelta(hours=1)) is done


def test_observed_takes_progress_from_the_view(running: Job) -> None:
    view = RunView(planned=(ResourceChange("a.b", "create"),), done=2, summary=Summary(add=1))
    job = running.observed(view)
    assert (job.done, job.total, job.summary, job.changes) == (2, 2, Summary(add=1), view.planned)
    assert job.observed(RunView()).summary == Summary(add=1)  # an empty view keeps what is known


def test_in_phase_keeps_the_pid_unless_given(running: Job) -> None:
    job = running.in_phase(Phase.INIT, pid=7).in_phase(Phase.APPLY)
    assert (job.phase, job.pid) == (Phase.APPLY, 7)


def _everything(queued: Job) -> Job:
    return (
        queued.started(T1)
        .in_phase(Phase.APPLY, pid=1234)
        .observed(
            RunView(
                planned=(ResourceChange("terraform_data.a", "create"), ResourceChange("terraform_data.b", "delete")),
                done=2,
                summary=Summary(add=1, change=0, destroy=1),
            )
        )
        .cancel_asked(force=True)
        .finished(
            T2, exit_code=130, error="interrupted", succeeded=False, outputs={"o": {"value": "v"}}, has_changes=True
        )
    )


def test_record_round_trip_through_json(queued: Job) -> None:
    job = _everything(queued)
    record = json.loads(json.dumps(job.to_record()))
    back = Job.from_record(record)
    assert back == job
    assert back.outputs == job.outputs  # not part of ==
    assert back.created_at.tzinfo is not None and back.finished_at == T2
    assert json.loads(json.dumps(back.to_record())) == record


def test_record_round_trip_of_a_running_job(queued: Job) -> None:
    job = queued.started(T1).in_phase(Phase.PLAN, pid=4321).cancel_asked(force=False)
    back = Job.from_record(json.loads(json.dumps(job.to_record())))
    assert back == job
    assert (back.pid, back.phase, back.started_at, back.finished_at) == (4321, Phase.PLAN, T1, None)


def test_record_round_trip_of_a_fresh_job(queued: Job) -> None:
    job = replace(queued, plan_job_id=str(uuid.uuid4()), kind=JobKind.DRIFT_CHECK)
    assert Job.from_record(json.loads(json.dumps(job.to_record()))) == job


def test_record_uses_plain_values(queued: Job) -> None:
    record = _everything(queued).to_record()
    assert (record["kind"], record["state"], record["phase"]) == ("APPLY", "CANCELED", "APPLY")
    assert record["created_at"] == T0.isoformat()
    assert record["summary"] == {"add": 1, "change": 0, "destroy": 1}


def test_the_drift_check_policy_is_a_property_of_the_kind() -> None:
    users = [JobKind.PLAN, JobKind.APPLY, JobKind.DESTROY]
    assert all(k.is_users and k.holds_state_lock and not k.preemptible for k in users)
    check = JobKind.DRIFT_CHECK
    assert (check.is_users, check.holds_state_lock, check.preemptible) == (False, False, True)
