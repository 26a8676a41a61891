"""The engine steps of one job, by its kind: init when needed, then plan, apply or
destroy with `-json`, every event folded into the job and its text into the log."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from app import metrics
from app.engine import workdir as wd
from app.engine.base import Engine, ProviderHost, RunningCommand
from app.engine.json_events import RunView, fold, human_lines, parse
from app.errors import Conflict
from app.jobs.model import Job, JobKind, Phase
from app.jobs.workspace import Workspace


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    exit_code: int | None
    error: str | None = None
    has_changes: bool | None = None
    outputs: dict[str, Any] | None = None


class JobHandle(Protocol):
    """The runner's handle on a job while its engine steps run."""

    job: Job

    def log(self, text: str, at: datetime | None = None) -> None:
        """A line of the log, at `at` (when it was read from the engine) or now."""
        ...

    def phase(self, phase: Phase) -> None: ...

    def observe(self, view: RunView) -> None: ...

    def attach(self, command: RunningCommand | None) -> None: ...

    @property
    def stopping(self) -> bool: ...


def _lay_out(ws: Workspace, job: Job, plan_path: Path | None) -> None:
    """The work directory ready for `job` (run in a worker thread)."""
    if plan_path is not None and not plan_path.exists():
        raise Conflict(f"the plan of job {job.plan_job_id} is no longer available: plan again")
    wd.lay_out(ws.workdir, ws.module_dir, ws.backend, ws.tfvars)
    if job.kind.is_users:
        wd.drop_plans(ws.workdir, keep=plan_path)  # superseded by this operation


def _needs_init(ws: Workspace, engine: str, fingerprint: str) -> bool:
    """True (and the last init forgotten) when module, lock file or backend changed."""
    if not wd.needs_init(ws.workdir, wd.init_hash(ws.workdir, ws.backend, engine, fingerprint)):
        return False
    wd.forget_init(ws.workdir)
    return True


def _mark_initialized(ws: Workspace, engine: str, fingerprint: str) -> None:
    wd.mark_initialized(ws.workdir, wd.init_hash(ws.workdir, ws.backend, engine, fingerprint))


STOPPED_PROVIDER_SECONDS = 10.0  # a canceled job's provider, told to stop, gets this long to end its creates


class EngineSteps:
    def __init__(
        self,
        engine: Engine,
        lock_timeout_seconds: int,
        providers: ProviderHost | None = None,
        job_providers: Callable[[], ProviderHost] | None = None,
    ) -> None:
        self._engine = engine
        self._lock_timeout = f"-lock-timeout={lock_timeout_seconds}s"
        self.providers = providers  # drift checks reattach to these (they only read)
        self._job_providers = job_providers  # a provider of each other job's own, for its engines

    async def perform(self, handle: JobHandle, ws: Workspace) -> Outcome:
        own = None
        if self._job_providers is not None and handle.job.kind is not JobKind.DRIFT_CHECK:
            own = self._job_providers()
        outcome = None
        try:
            with wd.credentials_in(ws.workdir, ws.backend):  # the store's, on disk only while an engine runs
                outcome = await self._perform(handle, ws, own)
                return outcome
        finally:
            if own is not None:  # however the job ended: nothing it started runs on unseen
                await own.close(wait=STOPPED_PROVIDER_SECONDS if _told_to_stop(handle, outcome) else 0.0)

    async def _perform(self, handle: JobHandle, ws: Workspace, own: ProviderHost | None) -> Outcome:
        job = handle.job
        plan_path = None
        if job.kind is JobKind.APPLY and job.plan_job_id:
            plan_path = wd.plan_file(ws.workdir, job.plan_job_id)
        # files and hashes in a worker thread: 8 jobs starting at once held the API's
        # event loop ~5 ms each here (globs, reads, writes, a hash of the module)
        await asyncio.to_thread(_lay_out, ws, job, plan_path)
        init_error = await self._init(handle, ws)
        if init_error is not None:
            return Outcome(False, None, init_error)
        if handle.stopping:
            return Outcome(False, None, "canceled before the engine started")
        common = ["-json", "-input=false", "-no-color", self._lock_timeout]
        if job.kind is JobKind.PLAN:
            out = wd.new_plan_file(ws.workdir, job.id)
            handle.phase(Phase.PLAN)
            try:
                args = ["plan", *common, "-detailed-exitcode", f"-out={out}"]
                rc, view = await self._engine_run(handle, ws, args, extra=await self._reattach(ws, own))
            finally:
                if out.exists():
                    out.chmod(0o600)
            if rc not in (0, 2):
                out.unlink(missing_ok=True)  # no plan to apply
            return Outcome(rc in (0, 2), rc, _error(rc, view, ok=(0, 2)), has_changes=rc == 2)
        if job.kind is JobKind.APPLY:
            handle.phase(Phase.APPLY)
            if plan_path is not None:
                args = ["apply", *common, str(plan_path)]
            else:
                args = ["apply", *common, "-auto-approve"]
            try:
                rc, view = await self._engine_run(handle, ws, args, extra=await self._reattach(ws, own))
            finally:
                if plan_path is not None:
                    plan_path.unlink(missing_ok=True)  # a saved plan is applied once
            return Outcome(rc == 0, rc, _error(rc, view), outputs=view.outputs)
        if job.kind is JobKind.DRIFT_CHECK:
            # a plan whose saved plan is discarded; no state lock, so a user's job can
            # take the service at once. Applied: does reality match? Destroyed: does the
            # state still hold resources (a destroy plan without refresh lists them)?
            handle.phase(Phase.PLAN)
            args = ["plan", *common, "-detailed-exitcode", "-lock=false"]
            if not ws.applied:
                args += ["-destroy", "-refresh=false"]
            rc, view = await self._engine_run(handle, ws, args, extra=await self._reattach(ws, self.providers))
            return Outcome(rc in (0, 2), rc, _error(rc, view, ok=(0, 2)), has_changes=rc == 2)
        if job.kind is JobKind.DESTROY:
            handle.phase(Phase.DESTROY)
            args = ["destroy", *common, "-auto-approve"]
            rc, view = await self._engine_run(handle, ws, args, extra=await self._reattach(ws, own))
            return Outcome(rc == 0, rc, _error(rc, view), outputs={} if rc == 0 else None)
        raise Conflict(f"job kind {job.kind.value} is not run by this worker")

    async def _init(self, handle: JobHandle, ws: Workspace) -> str | None:
        """Init when needed; the error when it failed, else None."""
        fingerprint = await asyncio.to_thread(self._engine.fingerprint)
        if not await asyncio.to_thread(_needs_init, ws, self._engine.name, fingerprint):
            handle.log("init skipped: module, lock file and backend unchanged since the last init")
            return None
        handle.phase(Phase.INIT)
        args = ["init", "-input=false", "-no-color", "-reconfigure", self._lock_timeout, *ws.backend.init_args()]
        # inits run in parallel: each writes its own work directory only (no plugin cache)
        rc, view = await self._engine_run(handle, ws, args, show=["init", "-reconfigure"])
        if rc == 0:
            await asyncio.to_thread(_mark_initialized, ws, self._engine.name, fingerprint)
            return None
        return "init failed: " + (_error(rc, view) or f"exit code {rc}")

    async def _reattach(self, ws: Workspace, host: ProviderHost | None) -> dict[str, str]:
        config = await host.reattach(ws.env) if host is not None else None
        return {"TF_REATTACH_PROVIDERS": config} if config else {}

    async def _engine_run(
        self,
        handle: JobHandle,
        ws: Workspace,
        args: list[str],
        show: list[str] | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, RunView]:
        handle.log(f"$ {self._engine.name} {' '.join(show or _shown(args))}")
        command = await self._engine.start(args, ws.workdir, {**ws.backend.env, **ws.env, **(extra or {})})
        handle.attach(command)
        view = RunView()
        started, rc = time.monotonic(), None
        try:
            async for at, line in command.stamped():
                event = parse(line)
                for text in human_lines(event):
                    handle.log(text, at)
                folded = fold(view, event)
                if folded != view:
                    view = folded
                    handle.observe(view)
            rc = await command.wait()
        finally:
            handle.attach(None)
            outcome = "stopped" if rc is None or handle.stopping else "ok" if rc in (0, 2) else "failed"
            metrics.engine_ran(args[0], outcome, time.monotonic() - started)
        return rc, view


def _told_to_stop(handle: JobHandle, outcome: Outcome | None) -> bool:
    """Canceled, and the engine ended by itself after its SIGINT: it sent its provider
    StopProvider (a killed engine sent nothing; the provider is killed at once, as the
    engine's own provider was with the engine's group)."""
    return handle.stopping and outcome is not None and outcome.exit_code not in (None, -signal.SIGKILL)


def _shown(args: list[str]) -> list[str]:
    """The command as logged: flags that carry paths are shortened."""
    return [a.split("/")[-1] if a.startswith("-out=") or a.endswith(".tfplan") else a for a in args]


def _error(rc: int, view: RunView, ok: tuple[int, ...] = (0,)) -> str | None:
    if rc in ok:
        return None
    if view.errors:
        return "; ".join(view.errors)
    return f"the engine exited with code {rc}"
