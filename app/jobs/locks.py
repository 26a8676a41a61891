"""Locks by key (a service id) that exist only while someone holds or waits for them:
nothing is kept for a key once its last user leaves, so no caller can grow the map."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holders and waiters


class KeyedLocks:
    def __init__(self, check: Callable[[str], str] | None = None) -> None:
        self._entries: dict[str, _Entry] = {}
        self._check = check  # validates a key before anything keeps it

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """The lock of `key`, FIFO among waiters; forgotten when nobody needs it."""
        if self._check is not None:
            key = self._check(key)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
