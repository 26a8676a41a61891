"""`SharedDriftWatcher`: the drift watcher of a worker in shared mode. The services come from
storage (read again every few seconds: other processes create and apply them), the schedule
from Redis (`SharedDriftSchedule`): each worker plants the services it sees, claims the due
ones up to its free places (SPAWNIT_DRIFT_MAX_PARALLEL), checks them, and sets their next time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from redis.exceptions import RedisError

from app.clock import now
from app.drift.schedule import interval_of, next_check
from app.drift.watcher import TICK_SECONDS, DriftWatcher
from app.services.model import ServiceInfo
from app.shared.runner import SharedJobRunner
from app.shared.schedule import SharedDriftSchedule

log = logging.getLogger("spawnit.drift")

REFRESH_SECONDS = 2.0  # services read again from storage at most this often


class SharedDriftWatcher(DriftWatcher):
    def __init__(self, *args: Any, schedule: SharedDriftSchedule, hold_seconds: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schedule = schedule
        self._hold = hold_seconds  # a claimed service's check must end within this (the job timeout)
        self._tasks: set[asyncio.Task[None]] = set()

    def reschedule(self, info: ServiceInfo) -> None:
        """Its interval changed: out of the schedule, planted anew by a worker's next look."""
        task = asyncio.get_running_loop().create_task(self._schedule.drop({info.id}))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        refresh_at = 0.0
        while True:
            try:
                if loop.time() >= refresh_at:
                    await self._repo.refresh()
                    await self._plant()
                    refresh_at = loop.time() + REFRESH_SECONDS
                await self._claim()
            except (RedisError, OSError) as exc:
                log.warning("drift schedule: Redis unreachable (%s): trying again", exc)
            except Exception:  # the watch must outlive any one bad record
                log.exception("drift sweep failed")
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=TICK_SECONDS)

    def _watched(self) -> dict[str, ServiceInfo]:
        return {
            info.id: info
            for info in self._repo.all()
            if info.watched and interval_of(self._interval, info.drift_interval) > 0
        }

    async def _plant(self) -> None:
        watched = self._watched()
        planted = await self._schedule.members()
        await self._schedule.drop(planted - watched.keys())
        await self._schedule.plant(
            {i: self._first(info).timestamp() for i, info in watched.items() if i not in planted}
        )

    async def _claim(self) -> None:
        free = self._cap - len(self._running)
        watched = self._watched()
        for service_id in await self._schedule.claim(now().timestamp(), free, self._hold):
            info = watched.get(service_id)
            if info is None:  # gone since this worker last looked: dropped on its next look
                continue
            self._running[service_id] = asyncio.create_task(self._check(info), name=f"drift-{service_id}")

    async def _check(self, info: ServiceInfo) -> None:
        interval = interval_of(self._interval, info.drift_interval)
        try:
            job = await self._submit(info)
            await self._runner.wait(job.id)
            await self._until_ended(job.id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("drift check of service %s could not run: %s", info.id, exc)
        finally:
            at = next_check(now(), interval, self._jitter, self._rng.random())
            self._next[info.id] = at
            self._running.pop(info.id, None)
            with contextlib.suppress(RedisError, OSError):  # else it comes due again after the hold
                await self._schedule.next_at(info.id, at.timestamp())
            self.poke()

    async def _until_ended(self, job_id: str) -> None:
        """The check submitted here may run on another worker: wait for its stored end."""
        while True:
            live = self._runner.live.find(job_id)
            if live is not None:
                await live.ended.wait()
                return
            assert isinstance(self._runner, SharedJobRunner)
            if await self._runner.ended_elsewhere(job_id):
                return
            await asyncio.sleep(0.5)  # another process's job: its record is what we can read
