"""FolderStore specifics: key guard, folder clean-up, atomic writes, the state path."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from app.errors import Unavailable
from app.storage.folder import FolderStore

BAD_KEYS = ["", "/etc/passwd", "../x", "clients/../../x", "clients//x", "clients/x/", "a\\b", "./x", "a/.tmp-1-x"]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_bad_keys_refused(folder_store: FolderStore, key: str) -> None:
    with pytest.raises(ValueError):
        folder_store.path_of(key)
    with pytest.raises(ValueError):
        await folder_store.put(key, b"x")
    with pytest.raises(ValueError):
        await folder_store.get(key)
    with pytest.raises(ValueError):
        await folder_store.delete(key)


async def test_bad_list_prefix_refused(folder_store: FolderStore) -> None:
    with pytest.raises(ValueError):
        await folder_store.keys_under("../")


def test_path_of_is_under_root(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "store")
    path = store.path_of("clients/t/s/terraform.tfstate")
    assert path.is_absolute()
    assert path == (tmp_path / "store" / "clients" / "t" / "s" / "terraform.tfstate").resolve()


async def test_delete_removes_empty_folders_up_to_root(folder_store: FolderStore) -> None:
    await folder_store.put("clients/t/s/info.json", b"x")
    await folder_store.put("clients/t/s/jobs/j.log", b"x")
    await folder_store.put("clients/t/other/info.json", b"x")
    await folder_store.delete("clients/t/s/jobs/j.log")
    await folder_store.delete("clients/t/s/info.json")
    assert not (folder_store.root / "clients" / "t" / "s").exists()
    assert (folder_store.root / "clients" / "t" / "other").is_dir()
    await folder_store.delete("clients/t/other/info.json")
    assert folder_store.root.is_dir()
    assert list(folder_store.root.iterdir()) == []


async def test_writes_leave_no_temp_files(folder_store: FolderStore) -> None:
    key = "clients/t/s/info.json"
    await asyncio.gather(*(folder_store.put(key, bytes([i]) * 1000) for i in range(50)))
    assert os.listdir(folder_store.path_of(key).parent) == ["info.json"]
    data = await folder_store.get(key)
    assert data is not None and len(set(data)) == 1  # one whole write won, no mix


async def test_list_skips_temp_files(folder_store: FolderStore) -> None:
    await folder_store.put("clients/t/s/info.json", b"x")
    (folder_store.root / "clients" / "t" / "s" / ".tmp-dead-info.json").write_bytes(b"half")
    assert await folder_store.keys_under("clients/") == ["clients/t/s/info.json"]


async def test_failed_write_keeps_old_object(folder_store: FolderStore, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "clients/t/s/info.json"
    await folder_store.put(key, b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(Unavailable) as caught:  # answered UNAVAILABLE, saying what to check
        await folder_store.put(key, b"new")
    assert "disk space" in caught.value.message
    monkeypatch.undo()
    assert await folder_store.get(key) == b"old"
    assert os.listdir(folder_store.path_of(key).parent) == ["info.json"]


async def test_get_of_a_folder_is_none(folder_store: FolderStore) -> None:
    await folder_store.put("clients/t/s/info.json", b"x")
    assert await folder_store.get("clients/t") is None
    assert await folder_store.get("clients/t/s/info.json/deeper") is None
