"""A log stream overrun (its replica lost Redis, or fell behind) while another process's
job ends: the lines logged between its catch-up read and its look at the job still reach
it. A unit test with a bus of our own (one overrun, then the events Redis delivers)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from app.bus import Overrun
from app.jobs.logs import LogLine
from app.jobs.model import Job, JobKind, JobState
from app.jobs.stream import log_stream
from app.jobs.updates import JobEvent, LineEvent

AT = datetime(2030, 1, 1, tzinfo=UTC)


class OverrunOnce:
    topic = "job"

    def __init__(self, later: list[Any]) -> None:
        self._overrun = True
        self._later = later

    async def get(self) -> Any:
        if self._overrun:
            self._overrun = False
            raise Overrun("events were dropped")
        if not self._later:
            await asyncio.Event().wait()  # nothing more will come
        return self._later.pop(0)

    def ready(self, most: int) -> list[Any]:
        out, self._later[:most] = self._later[:most], []
        return out

    def close(self) -> None: ...

    def __enter__(self) -> OverrunOnce:
        return self

    def __exit__(self, *exc: object) -> None: ...


class OneJobBus:
    def __init__(self, sub: OverrunOnce) -> None:
        self.sub = sub

    def subscribe(self, topic: str) -> OverrunOnce:
        return self.sub

    def publish(self, topic: str, event: Any) -> None: ...

    def subscribers(self, topic: str) -> int:
        return 1


async def test_lines_logged_while_an_overrun_stream_catches_up_are_not_lost() -> None:
    ids = [str(uuid.uuid4()) for _ in range(3)]
    job = Job(ids[0], ids[1], ids[2], JobKind.APPLY, 1, AT, state=JobState.RUNNING, rev=1)
    lines = [LogLine(n, f"line {n}", AT) for n in range(5)]
    ended = dataclasses.replace(job, state=JobState.SUCCEEDED, rev=2)
    later = [LineEvent(LogLine(5, "line 5", AT)), LineEvent(LogLine(6, "line 6", AT)), JobEvent(ended)]
    state = {"job": job, "reads": 0}

    async def get_job() -> Job:
        return state["job"]  # type: ignore[return-value]

    async def get_lines(start: int, limit: int | None) -> list[LogLine]:
        out = [line for line in lines if line.number >= start]
        state["reads"] += 1
        if state["reads"] == 2:  # the catch-up read: the job logs its last lines and ends just after it
            lines.extend(event.line for event in later[:2])  # type: ignore[attr-defined]
            state["job"] = ended
        return out

    async def drain() -> list[int]:
        return [line.number async for line in log_stream(OneJobBus(OverrunOnce(later)), job.id, get_job, get_lines, 0)]

    assert await asyncio.wait_for(drain(), 10) == list(range(7))
