"""A subscription's events keep nothing once sent: graphql-core 3.3 shares one memo of
collected subfields between a subscription's per-event executors, one entry per event
for the subscription's lifetime; SpawnIt's execution context (EventExecutionContext) gives each event its own."""

from __future__ import annotations

import gc
from collections.abc import AsyncGenerator

import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import EventExecutionContext
from schema.root import build_schema

EVENTS = 2000


@strawberry.type
class Line:
    number: int
    text: str


@strawberry.type
class Query:
    ping: str = "pong"


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def lines(self) -> AsyncGenerator[Line, None]:
        for i in range(2 * EVENTS):
            yield Line(number=i, text=f"line {i}")


async def _growth(context_class: type) -> int:
    """Objects the collector tracks, gained between event EVENTS and event 2 * EVENTS."""
    schema = strawberry.Schema(query=Query, subscription=Subscription, execution_context_class=context_class)
    results = await schema.subscribe("subscription { lines { number text } }")
    seen, counts = 0, []
    async for result in results:  # type: ignore[union-attr]
        assert not result.errors
        seen += 1
        if seen in (EVENTS, 2 * EVENTS - 1):  # both taken while the subscription runs
            gc.collect()
            counts.append(len(gc.get_objects()))
    assert seen == 2 * EVENTS
    before, after = counts
    return after - before


async def test_a_long_subscription_keeps_nothing_per_event() -> None:
    assert await _growth(EventExecutionContext) < EVENTS // 10


async def test_the_stock_context_would_keep_objects_per_event() -> None:
    # the reason for EventExecutionContext: without it the same subscription grows per event
    assert await _growth(StrawberryGraphQLCoreExecutionContext) > EVENTS


def test_spawnit_schema_runs_with_its_own_execution_context() -> None:
    assert build_schema().execution_context_class is EventExecutionContext
