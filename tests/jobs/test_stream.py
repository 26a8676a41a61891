"""Job streams for subscribers: log lines replayed then live, no gap, no duplicate;
job states; the log book; the in-memory bus under them."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest

from app.bus import InMemoryBus, job_topic
from app.errors import BadInput
from app.jobs.live import JobEvent, LineEvent
from app.jobs.logs import LogBook, LogLine, decode, encode
from app.jobs.model import Job, JobKind, JobState, Phase
from app.jobs.stream import job_stream, log_stream

T0 = datetime(2030, 1, 1, tzinfo=UTC)
WAIT = 5.0  # a stream that has not ended by then never will
T = TypeVar("T")


async def drain(stream: AsyncIterator[T]) -> list[T]:
    async def _all() -> list[T]:
        return [item async for item in stream]

    return await asyncio.wait_for(_all(), WAIT)


def numbers(lines: list[LogLine]) -> list[int]:
    return [line.number for line in lines]


class FakeJob:
    """One job's record, its log book and the bus, as the runner keeps them."""

    def __init__(self, bus: InMemoryBus) -> None:
        self.bus = bus
        self.job = Job(
            id=str(uuid.uuid4()),
            tenant=str(uuid.uuid4()),
            service=str(uuid.uuid4()),
            kind=JobKind.APPLY,
            seq=1,
            created_at=T0,
        ).started(T0)
        self.book = LogBook()
        self.subscribed = asyncio.Event()  # the stream has asked for the job (after subscribing)
        self.replayed = asyncio.Event()  # the stream has read the book
        self.lines_calls: list[tuple[int, int | None]] = []

    @property
    def topic(self) -> str:
        return job_topic(self.job.id)

    def log(self, count: int, *, publish: bool = True) -> None:
        for _ in range(count):
            line = self.book.add(f"line {len(self.book.lines)}", T0 + timedelta(seconds=len(self.book.lines)))
            if publish:
                self.bus.publish(self.topic, LineEvent(line))

    def set(self, job: Job) -> None:
        """As the runner does: every new record gets the next revision."""
        if job != self.job:
            self.job = dataclasses.replace(job, rev=self.job.rev + 1)
        self.bus.publish(self.topic, JobEvent(self.job))

    def end(self) -> None:
        self.set(self.job.finished(T0, exit_code=0, succeeded=True))

    async def get_job(self) -> Job:
        self.subscribed.set()
        return self.job

    async def get_lines(self, start: int, limit: int | None) -> list[LogLine]:
        self.lines_calls.append((start, limit))
        self.replayed.set()
        return self.book.since(start, limit)

    def logs(self, from_line: int = 0, get_lines: Callable[[int, int | None], Awaitable[list[LogLine]]] | None = None):  # type: ignore[no-untyped-def]
        return log_stream(self.bus, self.job.id, self.get_job, get_lines or self.get_lines, from_line)


@pytest.fixture
def bus() -> InMemoryBus:
    return InMemoryBus()


@pytest.fixture
def job(bus: InMemoryBus) -> FakeJob:
    return FakeJob(bus)


@pytest.fixture
async def background() -> AsyncIterator[Callable[[Awaitable[Any]], asyncio.Task[Any]]]:
    tasks: list[asyncio.Task[Any]] = []

    def spawn(coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        tasks.append(task)
        return task

    yield spawn
    for task in tasks:
        if not task.done():
            task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError)]
    assert not errors, errors


# -- log_stream ----------------------------------------------------------------------------


@pytest.mark.parametrize("from_line", [0, 2, 5, 9])
async def test_a_final_job_replays_its_stored_lines_and_completes(
    bus: InMemoryBus, job: FakeJob, from_line: int
) -> None:
    job.log(5)
    job.end()
    assert numbers(await drain(job.logs(from_line))) == list(range(from_line, 5))
    assert bus.subscribers(job.topic) == 0


async def test_lines_before_and_after_subscribing_arrive_once_in_order(
    bus: InMemoryBus, job: FakeJob, background: Callable[[Awaitable[Any]], asyncio.Task[Any]]
) -> None:
    wrote_3_to_6 = asyncio.Event()
    replayed = asyncio.Event()

    async def runner() -> None:
        job.log(3)  # 0..2: before anyone subscribed, only in the book
        await job.subscribed.wait()
        job.log(4)  # 3..6: into the subscription's queue
        wrote_3_to_6.set()
        await replayed.wait()
        job.log(2)  # 7..8: live only
        job.end()

    async def get_job() -> Job:
        job.subscribed.set()
        await wrote_3_to_6.wait()  # the runner moves on while the stream reads the record
        return job.job

    async def stale_replay(start: int, limit: int | None) -> list[LogLine]:
        replayed.set()
        return job.book.since(start, limit)[: 5 - start]  # read before lines 5 and 6 were there

    background(runner())
    stream = log_stream(bus, job.job.id, get_job, stale_replay, 0)
    lines = await drain(stream)
    assert numbers(lines) == list(range(9))
    assert [line.text for line in lines] == [line.text for line in job.book.lines]


async def test_a_gap_in_live_lines_is_filled_from_the_book(
    job: FakeJob, background: Callable[[Awaitable[Any]], asyncio.Task[Any]]
) -> None:
    job.log(7)

    async def runner() -> None:
        await job.replayed.wait()  # the replay read 0..6
        job.log(2, publish=False)  # 7 and 8: their events never arrive
        job.log(1)  # 9: live, while 7 is expected
        job.end()

    background(runner())
    lines = await drain(job.logs(0))
    assert numbers(lines) == list(range(10))
    assert job.lines_calls == [(0, None), (7, 2)]


async def test_a_running_job_from_a_later_line(
    job: FakeJob, background: Callable[[Awaitable[Any]], asyncio.Task[Any]]
) -> None:
    job.log(2)

    async def runner() -> None:
        await job.subscribed.wait()
        job.log(4)  # 2..5
        job.end()

    background(runner())
    assert numbers(await drain(job.logs(4))) == [4, 5]


async def test_negative_from_line_is_bad_input(bus: InMemoryBus, job: FakeJob) -> None:
    with pytest.raises(BadInput):
        await anext(job.logs(-1))
    assert not job.subscribed.is_set() and bus.subscribers(job.topic) == 0


async def test_a_subscriber_that_leaves_unsubscribes(bus: InMemoryBus, job: FakeJob) -> None:
    job.log(3)
    stream = job.logs(0)
    assert (await anext(stream)).number == 0
    assert bus.subscribers(job.topic) == 1
    await stream.aclose()
    assert bus.subscribers(job.topic) == 0


# -- job_stream --------------------------------------------------------------------------------


async def test_job_stream_current_then_changes_until_final(
    bus: InMemoryBus, job: FakeJob, background: Callable[[Awaitable[Any]], asyncio.Task[Any]]
) -> None:
    first = job.job
    planning = first.in_phase(Phase.PLAN, pid=11)

    async def runner() -> None:
        await job.subscribed.wait()
        job.set(first)  # the same as what the stream already sent
        job.log(1)  # log lines are not job states
        job.set(planning)
        job.set(planning)
        job.end()
        job.set(job.job.finished(T0, exit_code=0, succeeded=True))  # after the end: never read

    background(runner())
    seen = await drain(job_stream(bus, job.job.id, job.get_job))
    assert [dataclasses.replace(j, rev=0) for j in seen] == [first, planning, dataclasses.replace(job.job, rev=0)]
    assert [j.rev for j in seen] == [0, 1, job.job.rev]
    assert seen[-1].state is JobState.SUCCEEDED
    assert bus.subscribers(job.topic) == 0


async def test_job_stream_of_a_final_job_is_that_job(bus: InMemoryBus, job: FakeJob) -> None:
    job.end()
    assert await drain(job_stream(bus, job.job.id, job.get_job)) == [job.job]


async def test_job_stream_never_steps_back_to_a_state_older_than_the_current_one(
    bus: InMemoryBus, job: FakeJob
) -> None:
    initializing = job.job.in_phase(Phase.INIT, pid=11)
    applying = initializing.in_phase(Phase.APPLY)

    async def get_job() -> Job:  # e.g. a storage read: the runner moves on meanwhile
        job.set(initializing)
        job.set(applying)
        return job.job

    stream = job_stream(bus, job.job.id, get_job)
    first = await asyncio.wait_for(anext(stream), WAIT)
    job.end()
    rest = await drain(stream)
    seen = [first, *rest]
    assert [(j.state, j.phase) for j in seen] == [(JobState.RUNNING, Phase.APPLY), (JobState.SUCCEEDED, Phase.APPLY)]
    assert [j.rev for j in seen] == sorted({j.rev for j in seen})


# -- the log book ----------------------------------------------------------------------------------


@pytest.fixture
def book() -> LogBook:
    book = LogBook()
    for i in range(6):
        book.add(f"line {i}", T0 + timedelta(seconds=i))
    return book


@pytest.mark.parametrize(
    "start, limit, expected",
    [
        (0, None, [0, 1, 2, 3, 4, 5]),
        (2, 3, [2, 3, 4]),
        (4, 10, [4, 5]),
        (6, None, []),
        (-3, 2, [0, 1]),
        (1, 0, []),
        (1, -1, []),
    ],
)
def test_since(book: LogBook, start: int, limit: int | None, expected: list[int]) -> None:
    assert numbers(book.since(start, limit)) == expected


def test_book_numbers_lines_and_knows_when_dirty(book: LogBook) -> None:
    restored = LogBook(book.lines)
    assert not restored.dirty
    assert restored.add("more", T0).number == 6
    assert restored.dirty


def test_encode_decode_round_trip(book: LogBook) -> None:
    book.add(
        'quotes " and \\ and ünïcödé and a \t tab',
        datetime(2030, 5, 6, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=2))),
    )
    assert decode(encode(book.lines)) == book.lines
    assert decode(encode(book.lines) + b"\n\n") == book.lines
    assert decode(b"") == []


# -- the bus -----------------------------------------------------------------------------------------


def test_bus_delivers_in_order_only_after_subscribing_and_only_its_topic(bus: InMemoryBus) -> None:
    bus.publish("a", "early")
    with bus.subscribe("a") as sub, bus.subscribe("a") as other:
        bus.publish("a", 1)
        bus.publish("b", "elsewhere")
        bus.publish("a", 2)
        assert sub.ready(10) == [1, 2]
        assert other.ready(1) == [1] and other.ready(10) == [2]
        assert bus.subscribers("a") == 2
    assert bus.subscribers("a") == 0
    bus.publish("a", "nobody listens")  # no error


async def test_subscription_iterates(bus: InMemoryBus) -> None:
    with bus.subscribe("t") as sub:
        bus.publish("t", "x")
        bus.publish("t", "y")
        bus.publish("t", "z")
        it = aiter(sub)
        assert [await anext(it), await anext(it), await sub.get()] == ["x", "y", "z"]


# -- a subscriber that falls behind --------------------------------------------------------


async def test_a_subscriber_too_far_behind_is_overrun_once_and_holds_no_more_than_its_limit() -> None:
    from app.bus import Overrun

    bus = InMemoryBus(limit=3)
    with bus.subscribe("t") as sub:
        for i in range(10):
            bus.publish("t", i)
        assert sub.ready(100) == []  # nothing handed out from a dropped queue
        with pytest.raises(Overrun, match=r"^events were dropped on t \(more than 3 behind\)$"):
            await sub.get()
        bus.publish("t", "after")
        assert await sub.get() == "after"


async def test_an_overrun_log_subscriber_catches_up_from_the_book_with_no_gap_and_no_duplicate(
    background: Callable[[Awaitable[Any]], asyncio.Task[Any]],
) -> None:
    bus = InMemoryBus(limit=4)
    job = FakeJob(bus)
    job.log(2)
    stream = job.logs(0)
    first = await asyncio.wait_for(anext(stream), WAIT)  # replayed; now it reads nothing more
    job.log(50)  # published while the subscriber does not read: far over its limit
    job.end()
    rest = await drain(stream)
    assert numbers([first, *rest]) == list(range(52))


async def test_an_overrun_job_subscriber_gets_the_job_as_it_is_now() -> None:
    bus = InMemoryBus(limit=2)
    job = FakeJob(bus)
    stream = job_stream(bus, job.job.id, job.get_job)
    assert (await anext(stream)).state is JobState.RUNNING
    for phase in (Phase.INIT, Phase.PLAN, Phase.APPLY):
        job.set(job.job.in_phase(phase))
    job.end()
    seen = await drain(stream)
    assert seen[-1].state is JobState.SUCCEEDED
    assert len(seen) <= 2  # coalesced, not one per update


async def test_an_overrun_event_subscriber_is_told_with_a_code() -> None:
    """Service events cannot be read again: the client is told, and subscribes again."""
    from app.errors import Unavailable
    from app.services.stream import event_stream

    bus = InMemoryBus(limit=2)
    tenant = str(uuid.uuid4())
    stream = event_stream(bus, tenant)
    waiting = asyncio.ensure_future(anext(stream))
    while bus.subscribers(f"tenant:{tenant}") == 0:
        await asyncio.sleep(0)  # until the stream has subscribed
    for i in range(5):  # published before the subscriber runs again: over its limit
        bus.publish(f"tenant:{tenant}", i)
    with pytest.raises(Unavailable) as err:
        await asyncio.wait_for(waiting, WAIT)
    assert "subscribe again" in err.value.message
