"""A job this process queued or runs: its record (each change a new revision, published
on the job's topic), its log book (every line masked before it is kept or sent), and
its engine (SIGINT on cancel, SIGKILL past the grace period)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from app.bus import Bus, job_topic
from app.clock import now
from app.engine.base import RunningCommand
from app.engine.json_events import RunView
from app.jobs.logs import LogBook
from app.jobs.model import Job, JobState, Phase
from app.jobs.updates import JobEvent, LineEvent
from app.vault.masker import Masker


class LiveJobHost(Protocol):
    """What a live job needs of its runner."""

    bus: Bus
    grace: float

    def job_state_changed(self, job: Job, old: JobState | None) -> None: ...


class LiveJob:
    """A job this process queued or runs: its record, its log, its engine."""

    def __init__(self, runner: LiveJobHost, job: Job) -> None:
        self._runner = runner
        self.job = job
        self.book = LogBook()
        self.command: RunningCommand | None = None
        self.task: asyncio.Task[None] | None = None
        self.ended = asyncio.Event()
        self.masker = Masker()
        self._killer: asyncio.TimerHandle | None = None

    # -- the `JobHandle` the engine steps see ------------------------------------------

    def log(self, text: str, at: datetime | None = None) -> None:
        line = self.book.add(self.masker(text), at or now())  # masked before it is kept or sent
        self._runner.bus.publish(job_topic(self.job.id), LineEvent(line))

    def phase(self, phase: Phase) -> None:
        self.advance(self.job.in_phase(phase))

    def observe(self, view: RunView) -> None:
        self.advance(self.job.observed(view))

    def attach(self, command: RunningCommand | None) -> None:
        self.command = command
        if command is not None:
            self.advance(self.job.in_phase(self.job.phase or Phase.INIT, pid=command.pid))
            if self.job.cancel_requested:
                self.stop_engine()

    @property
    def stopping(self) -> bool:
        return self.job.cancel_requested

    # -- runner side ---------------------------------------------------------------

    def advance(self, job: Job, publish: bool = True) -> None:
        """The job's next record: a higher revision, so no watcher ever steps back."""
        if job != self.job:
            old_state = self.job.state
            self.job = replace(job, rev=self.job.rev + 1)
            if publish:
                self._runner.bus.publish(job_topic(job.id), JobEvent(self.job))
            if old_state is not job.state:
                self._runner.job_state_changed(self.job, old_state)

    def stop_engine(self) -> None:
        if self.command is None:
            return
        if self.job.forced:
            self.command.kill()
            return
        self.command.interrupt()
        if self._killer is None:
            loop = asyncio.get_running_loop()
            self._killer = loop.call_later(self._runner.grace, self._force)

    def _force(self) -> None:
        """Past the grace period: the engine ignored SIGINT (frozen, or stuck in a
        provider), so it and everything it started get SIGKILL, and the record says so."""
        self._killer = None
        if self.ended.is_set() or self.job.state.final:
            return
        self.log(f"the engine did not stop within {self._runner.grace:g}s of SIGINT: killed")
        self.advance(self.job.cancel_asked(force=True))
        if self.command is not None:
            self.command.kill()  # else the next command is killed as it attaches (forced)

    def disarm(self) -> None:
        if self._killer is not None:
            self._killer.cancel()
            self._killer = None
