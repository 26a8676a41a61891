"""The event bus seam: publish to a topic, subscribe to a topic.

A subscription receives every event published after `subscribe` returned, in order, into
a queue of its own bounded to `limit` events. A subscriber that falls that far behind is
not allowed to hold memory without bound: its queue is dropped and its next `get` raises
`Overrun` once, then it goes on with what is published after. A stream that can read
what it missed elsewhere (a job's log from its book, a job from the runner) catches up
from there; one that cannot tells its client, which resumes (`fromLine`).

One process: `InMemoryBus`. Another implementation must keep the same promises.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Protocol

DEFAULT_LIMIT = 10_000  # events a subscriber may be behind before it is overrun


class Overrun(Exception):
    """The subscriber fell more than its limit behind: the events it had not read were dropped."""


class Subscription(Protocol):
    topic: str

    async def get(self) -> Any:
        """The next event (waits); raises `Overrun` once after events were dropped."""
        ...

    def ready(self, most: int) -> list[Any]:
        """Up to `most` events already there, without waiting (none after an overrun)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Subscription: ...

    def __exit__(self, *exc: object) -> None: ...


class Bus(Protocol):
    def subscribe(self, topic: str) -> Subscription: ...

    def publish(self, topic: str, event: Any) -> None: ...

    def subscribers(self, topic: str) -> int:
        """How many subscriptions this process holds on `topic` (readiness of tests and tools)."""
        ...


class Topics(Protocol):
    """What a subscription needs of its bus: to leave it."""

    def _unsubscribe(self, sub: MemorySubscription) -> None: ...


class MemorySubscription:
    """One subscriber's bounded queue, in this process (both buses hand events to these)."""

    def __init__(self, bus: Topics, topic: str, limit: int) -> None:
        self._bus = bus
        self.topic = topic
        self._queue: asyncio.Queue[Any] = asyncio.Queue(limit)
        self._overrun: str | None = None  # why events were dropped, until `get` says so

    def offer(self, event: Any) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overrun(f"more than {self._queue.maxsize} behind")

    def overrun(self, why: str) -> None:
        """What was not read is dropped; the next `get` raises `Overrun` once, saying
        `why` (a full queue, or a shared bus whose Redis was away and may have lost events)."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self._overrun = why
        self._queue.put_nowait(_WAKE)

    async def get(self) -> Any:
        while True:
            event = await self._queue.get()
            if self._overrun is not None:
                why, self._overrun = self._overrun, None
                raise Overrun(f"events were dropped on {self.topic} ({why})")
            if event is not _WAKE:
                return event

    def ready(self, most: int) -> list[Any]:
        events: list[Any] = []
        while self._overrun is None and len(events) < most and not self._queue.empty():
            event = self._queue.get_nowait()
            if event is not _WAKE:
                events.append(event)
        return events

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        while True:
            yield await self.get()

    def close(self) -> None:
        self._bus._unsubscribe(self)

    def __enter__(self) -> MemorySubscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_WAKE = object()  # wakes a waiting subscriber after an overrun


class InMemoryBus:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._topics: dict[str, set[MemorySubscription]] = {}

    def subscribe(self, topic: str) -> MemorySubscription:
        sub = MemorySubscription(self, topic, self._limit)
        self._topics.setdefault(topic, set()).add(sub)
        return sub

    def publish(self, topic: str, event: Any) -> None:
        for sub in tuple(self._topics.get(topic, ())):
            sub.offer(event)

    def subscribers(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    def _unsubscribe(self, sub: MemorySubscription) -> None:
        subs = self._topics.get(sub.topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._topics[sub.topic]


def job_topic(job_id: str) -> str:
    return f"job:{job_id}"


def tenant_topic(tenant: str) -> str:
    return f"tenant:{tenant}"
