"""The drift watcher: checks every live service on a schedule, at most N at a time,
never while another job holds the service (a user's job preempts a check)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime

from app.clock import now
from app.drift.schedule import interval_of, next_check
from app.jobs.model import Job
from app.jobs.runner import JobRunner
from app.services.model import ServiceInfo
from app.services.repository import ServiceRepository
from app.settings import Settings

log = logging.getLogger("spawnit.drift")

SubmitCheck = Callable[[ServiceInfo], Awaitable[Job]]
TICK_SECONDS = 0.5


class DriftWatcher:
    def __init__(
        self,
        settings: Settings,
        repo: ServiceRepository,
        runner: JobRunner,
        submit_check: SubmitCheck,
        rng: random.Random | None = None,
    ) -> None:
        self._interval = settings.drift_interval_seconds
        self._jitter = settings.drift_jitter_seconds
        self._cap = settings.drift_max_parallel
        self._repo = repo
        self._runner = runner
        self._submit = submit_check
        self._rng = rng or random.Random()
        self._next: dict[str, datetime] = {}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def enabled(self) -> bool:
        return self._interval > 0

    def next_check_at(self, info: ServiceInfo) -> datetime | None:
        if not self.enabled or not info.watched or interval_of(self._interval, info.drift_interval) <= 0:
            return None
        return self._next.get(info.id) or self._first(info)

    def poke(self) -> None:
        """Look again now (a service changed: applied, destroyed, its interval set)."""
        self._wake.set()

    def reschedule(self, info: ServiceInfo) -> None:
        self._next.pop(info.id, None)
        self.poke()

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="drift-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task in list(self._running.values()):
            task.cancel()
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=10)

    async def _loop(self) -> None:
        while True:
            try:
                wait = self._sweep(now())
            except Exception:  # the watch must outlive any one bad record
                log.exception("drift sweep failed")
                wait = TICK_SECONDS
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(max(wait, 0.05), TICK_SECONDS))

    def _sweep(self, at: datetime) -> float:
        """Start the checks that are due; return seconds until the next one is."""
        soonest = float(TICK_SECONDS)
        live = {info.id: info for info in self._repo.all()}
        for gone in set(self._next) - set(live):
            del self._next[gone]
        due = []
        for info in live.values():
            interval = interval_of(self._interval, info.drift_interval)
            if not info.watched or interval <= 0:
                self._next.pop(info.id, None)
                continue
            when = self._next.setdefault(info.id, self._first(info))
            if when <= at:
                due.append((when, info))
            else:
                soonest = min(soonest, (when - at).total_seconds())
        for _when, info in sorted(due, key=lambda pair: pair[0]):
            if len(self._running) >= self._cap:
                break
            if info.id in self._running or self._runner.active_for(info.id):
                continue  # another job holds the service: look again on the next tick
            self._running[info.id] = asyncio.create_task(self._check(info), name=f"drift-{info.id}")
        return soonest

    def _first(self, info: ServiceInfo) -> datetime:
        interval = interval_of(self._interval, info.drift_interval)
        last = info.drift.checked_at or info.updated_at
        return next_check(last, interval, self._jitter, self._rng.random())

    async def _check(self, info: ServiceInfo) -> None:
        interval = interval_of(self._interval, info.drift_interval)
        try:
            job = await self._submit(info)
            await self._runner.wait(job.id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("drift check of service %s could not run: %s", info.id, exc)
        finally:
            self._next[info.id] = next_check(now(), interval, self._jitter, self._rng.random())
            self._running.pop(info.id, None)
            self.poke()
