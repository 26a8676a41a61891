"""The in-memory JobQueue: oldest first, one taker per id, pending until acked or
requeued, and an id is never queued or taken twice."""

from __future__ import annotations

import asyncio

import pytest

from app.jobs.queue import InMemoryJobQueue


async def test_submit_take_ack_in_order() -> None:
    queue = InMemoryJobQueue()
    for job_id in ("a", "b", "c"):
        await queue.submit(job_id)
    assert [await queue.take() for _ in range(3)] == ["a", "b", "c"]
    assert (queue.queued, queue.pending) == (0, 3)
    for job_id in ("a", "b", "c"):
        await queue.ack(job_id)
    assert (queue.queued, queue.pending) == (0, 0)


async def test_a_job_is_never_taken_twice() -> None:
    queue = InMemoryJobQueue()
    takers = [asyncio.create_task(queue.take()) for _ in range(2)]
    await queue.submit("a")
    done, waiting = await asyncio.wait(takers, return_when=asyncio.FIRST_COMPLETED)
    assert [t.result() for t in done] == ["a"]
    for _ in range(10):
        await asyncio.sleep(0)
    assert not waiting.pop().done()  # the other taker still waits
    with pytest.raises(ValueError):
        await queue.submit("a")  # taken: not queued again
    await queue.ack("a")
    await queue.submit("b")
    assert sorted(await asyncio.gather(*takers)) == ["a", "b"]  # the other got the next job


async def test_an_id_queued_twice_is_refused() -> None:
    queue = InMemoryJobQueue()
    await queue.submit("a")
    with pytest.raises(ValueError):
        await queue.submit("a")
    assert queue.queued == 1


async def test_requeue_puts_a_taken_job_at_the_back() -> None:
    queue = InMemoryJobQueue()
    await queue.submit("a")
    await queue.submit("b")
    assert await queue.take() == "a"
    await queue.requeue("a")
    assert (queue.queued, queue.pending) == (2, 0)
    assert [await queue.take(), await queue.take()] == ["b", "a"]


async def test_only_a_taken_job_is_acked_or_requeued() -> None:
    queue = InMemoryJobQueue()
    await queue.submit("a")
    with pytest.raises(ValueError):
        await queue.ack("a")  # queued, not taken
    with pytest.raises(ValueError):
        await queue.requeue("b")  # never seen
    assert await queue.take() == "a"
    await queue.ack("a")
    with pytest.raises(ValueError):
        await queue.ack("a")  # acked once
