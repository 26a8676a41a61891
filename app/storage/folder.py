"""`FolderStore`: the Store on a local folder, the embedded default.

Every file operation runs in `asyncio.to_thread`. Most objects are small (info.json,
tfvars), but some are not (archived job logs, state files), and the folder may be on a
slow or network disk. One thread hop costs tens of microseconds, far less than opening a
file, and the event loop serves live log streams and subscriptions. So nothing here
blocks the loop, not even a "small" write.

Writes are atomic. The data goes to a temp file in the target's own folder, then
`os.replace` swaps it in, so a reader sees the old object or the new one, never half
of one. Temp files are named `.tmp-<random>-<name>`. `list` skips them, and keys whose
segments start with '.tmp-' are refused, so a key can never clash with one.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from app.errors import Unavailable

_TMP = ".tmp-"
log = logging.getLogger("spawnit.storage")
T = TypeVar("T")


def _check_key(key: str) -> list[str]:
    """The key's segments, or ValueError for a key keys.py would never build."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"bad storage key {key!r}: empty")
    if key.startswith("/") or "\\" in key or "\x00" in key:
        raise ValueError(f"bad storage key {key!r}: absolute, backslash or NUL")
    parts = key.split("/")
    for part in parts:
        if part in ("", ".", "..") or part.startswith(_TMP):
            raise ValueError(f"bad storage key {key!r}: segment {part!r} not allowed")
    return parts


class FolderStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        """The absolute file path of `key` (the engine's local backend state path)."""
        return self.root.joinpath(*_check_key(key))

    async def get(self, key: str) -> bytes | None:
        return await self._run("get", self._get, self.path_of(key))

    async def put(self, key: str, data: bytes) -> None:
        await self._run("put", self._put, self.path_of(key), bytes(data))

    async def delete(self, key: str) -> None:
        await self._run("delete", self._delete, self.path_of(key))

    async def keys_under(self, prefix: str) -> list[str]:
        # walk only the deepest folder the prefix fully names, then filter by string
        # prefix, like S3 does: "clients/a" matches "clients/ab/..", "clients/a/" doesn't
        folder, _, _ = prefix.rpartition("/")
        start = self.path_of(folder) if folder else self.root
        return await self._run("list", self._list, start, prefix)

    async def close(self) -> None:
        pass

    async def _run(self, op: str, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker thread; a disk that refuses (no space, no permission,
        read-only) is `Unavailable`, saying what to check."""
        try:
            return await asyncio.to_thread(fn, *args)
        except OSError as exc:
            raise Unavailable(
                f"storage unavailable: {op} in the storage folder {self.root} failed ({exc.strerror or exc}): "
                "check its disk space and that SpawnIt's user may write there, then retry"
            ) from exc

    async def check(self) -> str | None:
        """None when the folder is usable, else why not (for `/readyz`). A folder that
        is gone is created again (SpawnIt created it at start; this check still says so)."""
        return await asyncio.to_thread(self._check)

    def _check(self) -> str | None:
        if not self.root.is_dir():
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                return f"storage folder {self.root} is gone and cannot be created ({exc.strerror}): create it"
            log.error("storage folder %s was gone: created it again, EMPTY (what it held is lost)", self.root)
            return f"storage folder {self.root} did not exist: SpawnIt created it again (empty)"
        if not os.access(self.root, os.W_OK | os.X_OK):
            return f"storage folder {self.root} is not writable by SpawnIt's user: give it write access"
        return None

    # --- blocking helpers, run in a worker thread ---

    @staticmethod
    def _get(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        tmp = path.with_name(f"{_TMP}{uuid.uuid4().hex}-{path.name}")
        for attempt in range(5):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileNotFoundError:
                # a concurrent delete removed the (then empty) folder after our mkdir
                if attempt == 4:
                    raise
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _delete(self, path: Path) -> None:
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        parent = path.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()
            except OSError:  # not empty (or already gone): stop climbing
                return
            parent = parent.parent

    def _list(self, start: Path, prefix: str) -> builtins.list[str]:
        keys = []
        for dirpath, _dirs, files in os.walk(start):
            rel = Path(dirpath).relative_to(self.root).as_posix()
            base = "" if rel == "." else rel + "/"
            for name in files:
                key = base + name
                if not name.startswith(_TMP) and key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)
