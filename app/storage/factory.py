"""Open the Store that the settings ask for."""

from __future__ import annotations

from app.settings import Settings
from app.storage.base import Store
from app.storage.folder import FolderStore
from app.storage.s3 import S3Store


async def open_store(settings: Settings) -> Store:
    """A FolderStore on `settings.store_dir`, or an S3Store whose bucket exists."""
    if settings.store == "folder":
        return FolderStore(settings.store_dir)
    if settings.store == "s3":
        store = await S3Store.open(settings.s3, max_attempts=settings.s3.max_attempts)
        try:
            await store.ensure_bucket()
        except BaseException:
            await store.close()
            raise
        return store
    raise ValueError(f"unknown store kind {settings.store!r}")
