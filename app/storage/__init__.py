"""Object storage: the layout of `keys.py` behind one small interface."""

from app.storage.base import Store

__all__ = ["Store"]
