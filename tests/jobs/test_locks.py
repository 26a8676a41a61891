"""Per-key locks and per-tenant reservations keep nothing for a key nobody uses."""

from __future__ import annotations

import asyncio

import pytest

from app.errors import BadInput, LimitExceeded
from app.ids import check_id, new_id
from app.jobs.limits import Reservations
from app.jobs.locks import KeyedLocks


async def test_a_lock_is_kept_only_while_held_or_awaited() -> None:
    locks = KeyedLocks()
    order: list[int] = []
    release = asyncio.Event()

    async def user(n: int) -> None:
        async with locks.hold("a"):
            order.append(n)
            await release.wait()

    tasks = [asyncio.create_task(user(n)) for n in range(3)]
    while not order:
        await asyncio.sleep(0)
    assert len(locks) == 1
    release.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2]  # one at a time, in order
    assert len(locks) == 0


async def test_a_bad_key_is_refused_before_anything_keeps_it() -> None:
    locks = KeyedLocks(check_id)
    with pytest.raises(BadInput):
        async with locks.hold("x" * 100_000):
            pass
    assert len(locks) == 0
    async with locks.hold(new_id()):
        assert len(locks) == 1
    assert len(locks) == 0


def test_reservations_count_until_released_and_keep_nothing_after() -> None:
    reservations = Reservations()
    slots = [reservations.take("t", live=1, limit=3, check=False) for _ in range(2)]
    with pytest.raises(LimitExceeded):
        reservations.take("t", live=1, limit=3, check=False)
    with pytest.raises(LimitExceeded):  # a check counts the users' jobs being submitted too
        reservations.take("t", live=1, limit=3, check=True)
    for slot in slots:
        slot.release()
        slot.release()  # once only
    assert len(reservations) == 0
    with reservations.take("t", live=0, limit=1, check=True):
        assert len(reservations) == 1
    assert len(reservations) == 0
