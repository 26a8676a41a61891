"""Streams of a job for subscribers.

Logs: subscribe to live events first, then replay what is stored from `from_line`,
then go on with live lines, dropping any line already sent: no gap, no duplicate,
and the stream completes when the job ends (at once for a job that already ended).
"""

from __future__ import annotations

from typing import AsyncIterator, Awaitable, Callable

from app.bus import Bus, job_topic
from app.errors import BadInput
from app.jobs.live import JobEvent, LineEvent
from app.jobs.logs import LogLine
from app.jobs.model import Job

GetJob = Callable[[], Awaitable[Job]]
GetLines = Callable[[int, int | None], Awaitable[list[LogLine]]]


async def log_stream(bus: Bus, job_id: str, get_job: GetJob, get_lines: GetLines, from_line: int) -> AsyncIterator[LogLine]:
    if from_line < 0:
        raise BadInput("fromLine must be 0 or more", field="fromLine")
    with bus.subscribe(job_topic(job_id)) as live:
        job = await get_job()
        next_number = from_line
        for line in await get_lines(next_number, None):
            yield line
            next_number = line.number + 1
        if job.state.final:
            return
        while True:
            event = await live.get()
            if isinstance(event, LineEvent):
                line = event.line
                if line.number < next_number:
                    continue  # already replayed
                if line.number > next_number:  # never expected: fill from the book
                    for missed in await get_lines(next_number, line.number - next_number):
                        yield missed
                yield line
                next_number = line.number + 1
            elif isinstance(event, JobEvent) and event.job.state.final:
                return


async def job_stream(bus: Bus, job_id: str, get_job: GetJob) -> AsyncIterator[Job]:
    with bus.subscribe(job_topic(job_id)) as live:
        last = await get_job()
        yield last
        if last.state.final:
            return
        while True:
            event = await live.get()
            if isinstance(event, JobEvent) and event.job.rev > last.rev:
                changed = event.job.visible() != last.visible()
                last = event.job
                if changed:
                    yield last
                if last.state.final:
                    return
