"""A subscriber of the shared bus: a bounded queue of its own (see `app.bus.Subscription`),
which the bus can overrun on purpose when Redis was away (events may have been lost)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Protocol

from app.bus import Overrun


class Topics(Protocol):
    def _unsubscribe(self, sub: RedisSubscription) -> None: ...


class RedisSubscription:
    """One subscriber's bounded queue (see `app.bus.Subscription`)."""

    def __init__(self, bus: Topics, topic: str, limit: int) -> None:
        self._bus = bus
        self.topic = topic
        self._queue: asyncio.Queue[Any] = asyncio.Queue(limit)
        self._overrun = False

    def offer(self, event: Any) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overrun()

    def overrun(self) -> None:
        """What was not read is dropped; the next `get` raises `Overrun` once."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self._overrun = True
        self._queue.put_nowait(_WAKE)

    async def get(self) -> Any:
        while True:
            event = await self._queue.get()
            if self._overrun:
                self._overrun = False
                raise Overrun(f"events were dropped on {self.topic} (behind, or Redis was away)")
            if event is not _WAKE:
                return event

    def ready(self, most: int) -> list[Any]:
        events: list[Any] = []
        while not self._overrun and len(events) < most and not self._queue.empty():
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

    def __enter__(self) -> RedisSubscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_WAKE = object()
