"""The in-memory Locks: FIFO per key, a fencing token that only grows, a lease that
runs out when nobody renews it, and nothing kept for a key nobody uses."""

from __future__ import annotations

import asyncio

import pytest

from app.jobs.locks import HeldLock, InMemoryLocks, LeaseLost, holding


async def test_fencing_tokens_only_grow() -> None:
    locks = InMemoryLocks()
    tokens = []
    for key in ("a", "b", "a", "a", "c"):
        held = await locks.acquire(key, 60)
        tokens.append(held.fencing_token)
        await held.release()
    assert tokens == sorted(tokens) and len(set(tokens)) == len(tokens)
    assert len(locks) == 0


async def test_a_lease_nobody_renews_runs_out() -> None:
    locks = InMemoryLocks()
    first = await locks.acquire("a", 0.05)
    waiter = asyncio.create_task(locks.acquire("a", 60))
    second = await waiter  # given when the first lease ran out (its holder never released it)
    assert first.expired and not second.expired
    assert second.fencing_token > first.fencing_token
    with pytest.raises(LeaseLost):
        await first.renew(60)
    await first.release()  # too late: it changes nothing
    assert len(locks) == 1  # the second still holds it
    await second.release()
    assert len(locks) == 0


async def test_one_holder_at_a_time_in_order() -> None:
    locks = InMemoryLocks()
    first = await locks.acquire("a", 60)
    waiters = [asyncio.create_task(locks.acquire("a", 60)) for _ in range(2)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    await first.release()
    second = await waiters[0]
    assert not waiters[1].done()
    await second.release()
    await (await waiters[1]).release()
    assert len(locks) == 0


async def test_a_waiter_canceled_keeps_nothing() -> None:
    locks = InMemoryLocks()
    held = await locks.acquire("a", 60)
    waiter = asyncio.create_task(locks.acquire("a", 60))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await held.release()
    assert len(locks) == 0


class Renewals:
    """InMemoryLocks that tell each renewal of a lease."""

    def __init__(self) -> None:
        self.locks = InMemoryLocks()
        self.renewed = asyncio.Event()

    async def acquire(self, key: str, lease_seconds: float) -> HeldLock:
        held = await self.locks.acquire(key, lease_seconds)
        spy = self

        class Held:
            fencing_token = held.fencing_token

            @property
            def expired(self) -> bool:
                return held.expired

            async def renew(self, lease: float) -> None:
                await held.renew(lease)
                spy.renewed.set()

            async def release(self) -> None:
                await held.release()

        return Held()


async def test_holding_renews_the_lease_while_the_block_runs() -> None:
    locks = Renewals()
    async with holding(locks, "a", 0.06) as held:
        for _ in range(4):  # past the lease, renewed all along
            locks.renewed.clear()
            await locks.renewed.wait()
        assert not held.expired
    assert len(locks.locks) == 0
