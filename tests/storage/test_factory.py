"""open_store picks the store the settings name."""

from __future__ import annotations

from pathlib import Path

from app.settings import S3Settings, Settings
from app.storage.factory import open_store
from app.storage.folder import FolderStore
from app.storage.s3 import S3Store


async def test_folder_store_under_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, store="folder")
    store = await open_store(settings)
    try:
        assert isinstance(store, FolderStore)
        assert store.root == settings.store_dir.resolve()
    finally:
        await store.close()


async def test_s3_store_creates_its_bucket(tmp_path: Path, s3_settings: S3Settings) -> None:
    store = await open_store(Settings(data_dir=tmp_path, store="s3", s3=s3_settings))
    try:
        assert isinstance(store, S3Store)
        await store.put("catalog.json", b"{}")  # the bucket exists
        assert await store.keys_under("") == ["catalog.json"]
    finally:
        await store.close()
