"""Streams of a job for subscribers.

Logs: subscribe to live events first, then replay what is stored from `from_line`,
then go on with live lines, dropping any line already sent: no gap, no duplicate,
and the stream completes when the job ends (at once for a job that already ended).

A stream may be shared by the subscribers of one job with the same operation (the edge's
fan-out, app/http/fanout.py), through a `LogFeed`: the shared stream reports the lines
of each message it yields (`reached`); a subscriber who joins late (or fell behind)
first catches up from the log up to where the shared stream is, then joins it
(`join`), with no gap and no duplicate.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import Protocol

from app.bus import Bus, Overrun, job_topic
from app.errors import BadInput, Unavailable
from app.jobs.logs import LogLine
from app.jobs.model import Job
from app.jobs.updates import JobEvent, LineEvent

GetJob = Callable[[], Awaitable[Job]]
GetLines = Callable[[int, int | None], Awaitable[list[LogLine]]]


class LogFeed(Protocol):
    """A log stream shared by several subscribers, as one of them sees it."""

    catching_up: bool  # this stream replays up to the shared one, then joins it
    start: int  # catching up: the first line to send

    def reached(self, first: int, last: int) -> None:
        """The message about to be yielded carries lines `first`..`last`."""
        ...

    def position(self) -> int:
        """The first line the shared stream has not sent yet."""
        ...

    def join(self, next_line: int) -> bool:
        """Join the shared stream if it is at `next_line` (or ended): True once joined."""
        ...

    async def moved(self) -> None:
        """Wait until the shared stream sends its next message (or ends)."""
        ...


async def log_batches(
    bus: Bus,
    job_id: str,
    get_job: GetJob,
    get_lines: GetLines,
    from_line: int,
    most: int,
    feed: LogFeed | None = None,
) -> AsyncGenerator[list[LogLine], None]:
    """The log as batches of up to `most` consecutive lines: whatever is there when the
    subscriber is ready, so a crowd of subscribers costs one message per batch, not one
    per line."""
    _check(from_line, most)
    async with aclosing(_source(bus, job_id, get_job, get_lines, from_line, most, feed)) as batches:
        async for batch in batches:
            if feed is not None:
                feed.reached(batch[0].number, batch[-1].number)
            yield batch


def _check(from_line: int, most: int) -> None:
    if from_line < 0:
        raise BadInput("from_line must be 0 or more", field="from_line")
    if most < 1:
        raise BadInput("max_lines must be 1 or more", field="max_lines")


def _source(
    bus: Bus, job_id: str, get_job: GetJob, get_lines: GetLines, from_line: int, most: int, feed: LogFeed | None
) -> AsyncGenerator[list[LogLine], None]:
    if feed is not None and feed.catching_up:
        return _catch_up(get_lines, feed.start, most, feed)
    return _follow(bus, job_id, get_job, get_lines, from_line, most)


async def _catch_up(get_lines: GetLines, start: int, most: int, feed: LogFeed) -> AsyncGenerator[list[LogLine], None]:
    """Lines from `start` up to where the shared stream is, read from the log (never
    past it: what the shared stream has sent is in the log), then join it."""
    next_number = start
    while not feed.join(next_number):
        target = feed.position()
        if next_number >= target:
            await feed.moved()
            continue
        lines = await get_lines(next_number, min(most, target - next_number))
        if not lines or lines[0].number != next_number:
            raise Unavailable(f"the log has no line {next_number} yet", field="from_line")
        yield lines
        next_number = lines[-1].number + 1


async def _follow(
    bus: Bus, job_id: str, get_job: GetJob, get_lines: GetLines, from_line: int, most: int
) -> AsyncGenerator[list[LogLine], None]:
    with bus.subscribe(job_topic(job_id)) as live:
        job = await get_job()
        next_number = from_line
        replay = await get_lines(next_number, None)
        for start in range(0, len(replay), most):
            yield replay[start : start + most]
        if replay:
            next_number = replay[-1].number + 1
        if job.state.final:
            return
        while True:
            try:
                events = [await live.get()]
            except Overrun:  # too far behind: what was dropped is in the book
                # the job first: if it had ended, the lines read next are all of them (a job's
                # log is complete before its final record); read after, a line logged between
                # the two reads would be lost (another process's job ends at any moment)
                ended = (await get_job()).state.final
                caught_up = await get_lines(next_number, None)
                for start in range(0, len(caught_up), most):
                    yield caught_up[start : start + most]
                if caught_up:
                    next_number = caught_up[-1].number + 1
                if ended:
                    return
                continue
            events += live.ready(most - 1)
            batch: list[LogLine] = []
            ended = False
            for event in events:
                if isinstance(event, LineEvent):
                    line = event.line
                    if line.number < next_number:
                        continue  # already replayed
                    if line.number > next_number:  # never expected: fill from the book
                        batch.extend(await get_lines(next_number, line.number - next_number))
                    batch.append(line)
                    next_number = line.number + 1
                elif isinstance(event, JobEvent) and event.job.state.final:
                    ended = True
                    break
            if batch:
                yield batch
            if ended:
                return


async def log_stream(
    bus: Bus, job_id: str, get_job: GetJob, get_lines: GetLines, from_line: int, feed: LogFeed | None = None
) -> AsyncGenerator[LogLine, None]:
    """The log line by line (see `log_batches`)."""
    _check(from_line, 1)
    async with aclosing(_source(bus, job_id, get_job, get_lines, from_line, 1000, feed)) as batches:
        async for batch in batches:
            for line in batch:
                if feed is not None:
                    feed.reached(line.number, line.number)
                yield line


async def job_stream(bus: Bus, job_id: str, get_job: GetJob) -> AsyncGenerator[Job, None]:
    with bus.subscribe(job_topic(job_id)) as live:
        last = await get_job()
        yield last
        if last.state.final:
            return
        while True:
            try:
                event = await live.get()
            except Overrun:  # the updates dropped are coalesced into the job as it is now
                event = JobEvent(await get_job())
            if isinstance(event, JobEvent) and event.job.rev > last.rev:
                changed = event.job.visible() != last.visible()
                last = event.job
                if changed:
                    yield last
                if last.state.final:
                    return
