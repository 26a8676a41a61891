"""The members of a fan-out group (app/http/fanout.py): each subscriber's bounded queue
of the group's payloads, sent by its own task, and its catching up from the log."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from typing import Any, Protocol

from graphql import GraphQLError
from strawberry.types.execution import ExecutionResult, PreExecutionError

QUEUE_FRAMES = 1000  # messages a member may be behind its group
QUEUE_BYTES = 4 << 20  # bytes of payload a member may be behind its group
SLOW_CONSUMER = "SLOW_CONSUMER"

Span = tuple[int, int] | None  # the lines a message carries


class Counter(Protocol):
    executions: int


class Group(Protocol):
    """What a member sees of its group (app/http/fanout.py `Group`)."""

    next_line: int
    ended: tuple[Any, ...] | None
    members: set[Member]

    @property
    def fanout(self) -> Counter: ...

    def add(self, member: Member, next_line: int) -> None: ...

    def made_room(self) -> None: ...

    async def moved(self) -> None: ...


class Operation(Protocol):
    async def results(self, feed: Any) -> Any: ...


class Sink(Protocol):
    """One subscriber's socket, in its protocol."""

    async def next(self, payload: str) -> None: ...  # a result, serialised once for all

    async def errors(self, errors: list[GraphQLError]) -> None: ...  # refused before it ran

    async def complete(self) -> None: ...


def encode(result: ExecutionResult) -> str:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return json.dumps(payload)


def slow_payload(resume: int) -> str:
    message = f"this subscriber fell too far behind the job's log: subscribe again with fromLine: {resume}"
    extensions = {"code": "UNAVAILABLE", "reason": SLOW_CONSUMER, "resumeFromLine": resume}
    return json.dumps({"data": None, "errors": [{"message": message, "extensions": extensions}]})


class CatchUp:
    """The LogFeed of a member's own execution: the lines from `start` to the group's
    position, read from the log, then it joins the group."""

    catching_up = True

    def __init__(self, group: Group, member: Member, start: int) -> None:
        self.group, self.member, self.start = group, member, start
        self.joined = False
        self.pending: Span = None

    def reached(self, first: int, last: int) -> None:
        self.pending = (first, last)

    def position(self) -> int:
        return self.group.next_line

    def join(self, next_line: int) -> bool:
        group = self.group
        if next_line == group.next_line or (group.ended is not None and next_line >= group.next_line):
            group.add(self.member, next_line)
            self.joined = True
        return self.joined

    async def moved(self) -> None:
        await self.group.moved()


class Member:
    """One subscriber: its queue of the group's messages, sent by its own task."""

    def __init__(self, sink: Sink, operation: Operation, batches: bool) -> None:
        self.sink, self.operation, self.batches = sink, operation, batches
        self.queue: deque[tuple[Any, ...]] = deque()
        self.queued_bytes = 0
        self.next_line = 0  # the first line not handed to the socket yet
        self.catch_up_from: int | None = None
        self._wake = asyncio.Event()

    def push(self, item: tuple[Any, ...]) -> None:
        self.queue.append(item)
        self._wake.set()

    def has_room(self, size: int) -> bool:
        return len(self.queue) < QUEUE_FRAMES and self.queued_bytes + size <= QUEUE_BYTES

    def offer(self, item: tuple[Any, ...], group: Group) -> None:
        """A message of the group; one too many for the bounds takes the member out."""
        size = len(item[1])
        if self.has_room(size):
            self.queued_bytes += size
            self.push(item)
            return
        group.members.discard(self)
        self.queue.clear()
        self.queued_bytes = 0
        if self.batches:
            self.catch_up_from = self.next_line
            self._wake.set()
        else:
            self.push(("slow", self.next_line))

    async def serve(self, group: Group) -> None:
        while True:
            if self.catch_up_from is not None:
                start, self.catch_up_from = self.catch_up_from, None
                if not await self._catch_up(group, start):
                    return
                continue
            if not self.queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            item = self.queue.popleft()
            group.made_room()
            if not await self._send(item):
                return

    async def _send(self, item: tuple[Any, ...]) -> bool:
        kind = item[0]
        if kind == "next":
            self.queued_bytes -= len(item[1])
            if item[2] is not None:
                self.next_line = item[2][1] + 1
            await self.sink.next(item[1])
            return True
        if kind == "errors":
            await self.sink.errors(item[1])
            return False
        if kind == "slow":
            await self.sink.next(slow_payload(item[1]))
        await self.sink.complete()
        return False

    async def _catch_up(self, group: Group, start: int) -> bool:
        """An execution of its own up to the group's position: True once it joined."""
        feed = CatchUp(group, self, start)
        results = await self.operation.results(feed)
        first = True
        async with contextlib.aclosing(results):
            async for result in results:
                if first and isinstance(result, PreExecutionError):
                    await self.sink.errors(result.errors or [])
                    return False
                first = False
                group.fanout.executions += 1
                span, feed.pending = feed.pending, None
                if span is not None:
                    self.next_line = span[1] + 1
                await self.sink.next(encode(result))
        if not feed.joined:  # it ended on an error of its own (sent above)
            await self.sink.complete()
        return feed.joined
