"""The event bus seam: publish to a topic, subscribe to a topic.

One process: `InMemoryBus`. Subscribing returns a `Subscription` whose queue receives
every event published after the call returned, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Protocol


class Subscription:
    def __init__(self, bus: InMemoryBus, topic: str) -> None:
        self._bus = bus
        self.topic = topic
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

    async def get(self) -> Any:
        return await self.queue.get()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        while True:
            yield await self.queue.get()

    def close(self) -> None:
        self._bus._unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Bus(Protocol):
    def subscribe(self, topic: str) -> Subscription: ...

    def publish(self, topic: str, event: Any) -> None: ...


class InMemoryBus:
    def __init__(self) -> None:
        self._topics: dict[str, set[Subscription]] = {}

    def subscribe(self, topic: str) -> Subscription:
        sub = Subscription(self, topic)
        self._topics.setdefault(topic, set()).add(sub)
        return sub

    def publish(self, topic: str, event: Any) -> None:
        for sub in tuple(self._topics.get(topic, ())):
            sub.queue.put_nowait(event)

    def subscribers(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    def _unsubscribe(self, sub: Subscription) -> None:
        subs = self._topics.get(sub.topic)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._topics[sub.topic]


def job_topic(job_id: str) -> str:
    return f"job:{job_id}"


def tenant_topic(tenant: str) -> str:
    return f"tenant:{tenant}"
