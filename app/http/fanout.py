"""Subscribers of one job's log with the same operation share one execution (as Hasura
multiplexes identical subscriptions): a `Group` runs the operation once, with the first
subscriber's caller, serialises each result once and hands the same payload to every
member; each member's socket sends it in a frame of its protocol, from a queue of its own.

- A subscriber who asks for lines the group has sent already (a late one, another
  `fromLine`) replays them with an execution of its own, from the log, up to the
  group's position, then joins the group there (`CatchUp`): no gap, no duplicate.
- A member's queue is bounded (`QUEUE_FRAMES` messages, `QUEUE_BYTES`). The group goes
  at the pace of its fastest member (it waits while no member has room: its replay of
  a long log is no burst that overruns everyone, and the job never waits for it, its
  bus subscription catches up from the log). A member that falls that far behind the
  group leaves it; on
  `jobLogBatches` it catches up from the log (coalesced batches of up to `maxLines`)
  and joins again; on `jobLogs` it is completed with an UNAVAILABLE error whose
  `extensions.resumeFromLine` is its next line (`reason`: SLOW_CONSUMER).
- A group of `jobLogBatches` paces itself: between two messages it waits
  `PACE_PER_MEMBER` per member (at most `PACE_MOST`), and the lines that came meanwhile
  go out as one batch. A crowd costs a bounded number of frames per second (10,000 per
  group), not one per line per subscriber, and the CPU left is the engine's and the
  API's; a few subscribers see no delay.
- The group stops when its last member leaves, and ends when the operation ends (the
  job ended): every member completes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from strawberry.schema.base import BaseSchema
from strawberry.types.execution import PreExecutionError

from app.http.members import Member, Sink, Span, encode
from app.http.shared import SharedOperation

log = logging.getLogger("spawnit.fanout")
PACE_PER_MEMBER = 0.0001  # s between two messages of a batches group, per member
PACE_MOST = 0.25  # s: the longest pause between two messages


class Operation:
    """What runs an execution: the document, its variables, the caller's context."""

    def __init__(self, schema: BaseSchema, query: str, variables: Any, name: str | None, context: Any) -> None:
        self.schema, self.query, self.variables, self.name, self.context = schema, query, variables, name, context

    async def results(self, feed: Any) -> Any:
        context = replace(self.context, log_feed=feed, expiry=None)
        return await self.schema.subscribe(
            self.query, variable_values=self.variables, context_value=context, operation_name=self.name
        )


class Fanout:
    """The groups of one server, by sharing key."""

    def __init__(self) -> None:
        self.groups: dict[tuple[object, ...], Group] = {}
        self.executions = 0  # results computed (each one execution of the document)

    async def follow(self, shared: SharedOperation, operation: Operation, sink: Sink) -> None:
        """Serve one subscriber until its operation ends (or its socket goes)."""
        group = self.groups.get(shared.key)
        member = Member(sink, operation, shared.batches)
        if group is None:
            group = self.groups[shared.key] = Group(self, shared, operation)
            group.add(member, shared.start)
            group.run()
        elif shared.start == group.next_line:
            group.add(member, shared.start)
        else:
            member.catch_up_from = shared.start
        group.attached += 1
        try:
            await member.serve(group)
        finally:
            group.detach(member)


class Group:
    """One execution of an operation, its results handed to every member."""

    catching_up = False  # its own execution follows the job (app/jobs/stream.py LogFeed)

    def __init__(self, fanout: Fanout, shared: SharedOperation, operation: Operation) -> None:
        self.fanout, self.key, self.operation = fanout, shared.key, operation
        self.batches = shared.batches  # its messages are batches: it may pace itself
        self.next_line = shared.start  # the first line not sent yet
        self.members: set[Member] = set()
        self.attached = 0  # members, and subscribers catching up to join
        self.ended: tuple[Any, ...] | None = None
        self.task: asyncio.Task[None] | None = None
        self._moved = asyncio.Event()
        self._pending: Span = None
        self._room = asyncio.Event()
        self.waiting = False  # for a member with room

    async def _wait_for_room(self, size: int) -> None:
        while self.members and not any(m.has_room(size) for m in self.members):
            self.waiting = True
            self._room.clear()
            await self._room.wait()
        self.waiting = False

    def made_room(self) -> None:
        if self.waiting:
            self._room.set()

    def run(self) -> None:
        self.task = asyncio.create_task(self._run())

    def add(self, member: Member, next_line: int) -> None:
        member.next_line = next_line
        if self.ended is not None:
            member.push(self.ended)
        else:
            self.members.add(member)
            self.made_room()  # a group waiting for its stalled members goes on with this one

    def detach(self, member: Member) -> None:
        self.members.discard(member)
        self.attached -= 1
        if self.attached == 0 and self.ended is None:
            self._forget()
            if self.task is not None:
                self.task.cancel()

    # -- the LogFeed of the group's own execution -------------------------------------------

    def reached(self, first: int, last: int) -> None:
        self._pending = (first, last)

    async def _run(self) -> None:
        end: tuple[Any, ...] = ("complete",)
        try:
            results = await self.operation.results(self)
            first = True
            async for result in results:
                if first and isinstance(result, PreExecutionError):
                    end = ("errors", result.errors)
                    break
                first = False
                self.fanout.executions += 1
                span, self._pending = self._pending, None
                payload = encode(result)
                await self._wait_for_room(len(payload))
                self._fan(payload, span)
                if self.batches:
                    await self._pace()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("a shared subscription failed")
        self._end(end)

    async def _pace(self) -> None:
        """A crowd's batches, spaced out: what comes meanwhile joins the next batch."""
        pause = min(PACE_MOST, len(self.members) * PACE_PER_MEMBER)
        if pause >= 0.001:
            await asyncio.sleep(pause)

    def _fan(self, payload: str, span: Span) -> None:
        item = ("next", payload, span)
        for member in tuple(self.members):
            member.offer(item, self)
        if span is not None:
            self.next_line = span[1] + 1
        self._moved.set()
        self._moved = asyncio.Event()

    def _end(self, end: tuple[Any, ...]) -> None:
        self.ended = end
        self._forget()
        for member in tuple(self.members):
            member.push(end)
        self.members.clear()
        self._moved.set()

    def _forget(self) -> None:
        if self.fanout.groups.get(self.key) is self:
            del self.fanout.groups[self.key]

    async def moved(self) -> None:
        if self.ended is None:
            await self._moved.wait()
