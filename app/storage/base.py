"""The `Store` seam: whole-object reads and writes under string keys.

Keys are built only by `app.storage.keys` from checked UUIDs; implementations may
assume a key is a relative, '/'-separated path with no '..' and no leading '/'.
"""

from __future__ import annotations

from typing import Protocol


class Store(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""

    async def put(self, key: str, data: bytes) -> None:
        """Write the whole object (replace it if it exists)."""

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    async def keys_under(self, prefix: str) -> list[str]:
        """Every key starting with `prefix`, sorted."""

    async def check(self) -> str | None:
        """None when the store can be used now, else why not, for people (`/readyz`).
        May repair what SpawnIt made itself (a bucket or folder that is gone)."""

    async def close(self) -> None:
        """Release connections."""
