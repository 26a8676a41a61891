"""Per-service locks with a lease: the `Locks` seam, and its in-memory implementation.

`Locks.acquire(key, lease_seconds)` waits (FIFO) for the lock of `key` and returns a
`HeldLock`: its `fencing_token` is larger than any token handed out before it, and the
lock is lost (`expired`) if its holder neither renews nor releases it within the lease.
`holding()` holds a lock for a block of code and renews its lease meanwhile.

In memory (`InMemoryLocks`, one process): `KeyedLocks` keeps an `asyncio.Lock` per key
only while someone holds or awaits it, so no caller can grow the map; a lease that
runs out releases the lock.

A Redis implementation will need: `SET key token NX PX lease` to take a lock (a waiter
retries, or blocks on a list or a keyspace notification to stay FIFO-ish), renewal and
release by a Lua script that checks the value is still the holder's token (`PEXPIRE` /
`DEL` only if `GET key == token`), and a fencing token from `INCR` on a counter key,
which every write made under the lock carries so storage can refuse a holder whose
lease expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Protocol

RECORD_LEASE_SECONDS = 60.0  # a service's short read-modify-write of its record, renewed meanwhile


class LeaseLost(Exception):
    """The lease ran out before its holder renewed it: someone else may hold the lock."""


class HeldLock(Protocol):
    @property
    def fencing_token(self) -> int: ...

    @property
    def expired(self) -> bool: ...

    async def renew(self, lease_seconds: float) -> None:
        """The lease starts again; LeaseLost if it had already run out."""

    async def release(self) -> None:
        """The lock goes to the next waiter (nothing if the lease already ran out)."""


class Locks(Protocol):
    async def acquire(self, key: str, lease_seconds: float) -> HeldLock: ...


@contextlib.asynccontextmanager
async def holding(locks: Locks, key: str, lease_seconds: float) -> AsyncIterator[HeldLock]:
    """The lock of `key` for the block, its lease renewed at a third of its length."""
    held = await locks.acquire(key, lease_seconds)

    async def keep() -> None:
        with contextlib.suppress(LeaseLost):  # the loop stalled past the lease: lost
            while True:
                await asyncio.sleep(lease_seconds / 3)
                await held.renew(lease_seconds)

    keeper = asyncio.create_task(keep(), name=f"lease-{key}")
    try:
        yield held
    finally:
        keeper.cancel()
        await held.release()


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holders and waiters


class KeyedLocks:
    """Locks by key that exist only while someone holds or waits for them."""

    def __init__(self, check: Callable[[str], str] | None = None) -> None:
        self._entries: dict[str, _Entry] = {}
        self._check = check  # validates a key before anything keeps it

    async def acquire(self, key: str) -> str:
        """The lock of `key`, FIFO among waiters; the key as kept (checked)."""
        if self._check is not None:
            key = self._check(key)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            await entry.lock.acquire()
        except BaseException:  # canceled while waiting: it holds nothing
            self._leave(key, entry)
            raise
        return key

    def release(self, key: str) -> None:
        entry = self._entries[key]
        entry.lock.release()
        self._leave(key, entry)

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        key = await self.acquire(key)
        try:
            yield
        finally:
            self.release(key)

    def _leave(self, key: str, entry: _Entry) -> None:
        entry.users -= 1
        if entry.users == 0:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


class _Lease:
    def __init__(self, locks: KeyedLocks, key: str, token: int, lease_seconds: float) -> None:
        self._locks = locks
        self._key = key
        self._token = token
        self._done = False
        self._timer = asyncio.get_running_loop().call_later(lease_seconds, self._run_out)

    @property
    def fencing_token(self) -> int:
        return self._token

    @property
    def expired(self) -> bool:
        return self._done

    def _run_out(self) -> None:
        if not self._done:
            self._done = True
            self._locks.release(self._key)

    async def renew(self, lease_seconds: float) -> None:
        if self._done:
            raise LeaseLost(f"the lease on {self._key} ran out")
        self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(lease_seconds, self._run_out)

    async def release(self) -> None:
        if not self._done:
            self._done = True
            self._timer.cancel()
            self._locks.release(self._key)


class InMemoryLocks:
    """`Locks` for one process: FIFO per key, nothing kept for a key nobody uses."""

    def __init__(self, check: Callable[[str], str] | None = None) -> None:
        self._locks = KeyedLocks(check)
        self._tokens = itertools.count(1)

    async def acquire(self, key: str, lease_seconds: float) -> HeldLock:
        key = await self._locks.acquire(key)
        return _Lease(self._locks, key, next(self._tokens), lease_seconds)

    def __len__(self) -> int:
        """Keys held or awaited."""
        return len(self._locks)
