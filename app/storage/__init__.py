"""Object storage: the layout of DESIGN.md behind one small interface."""

from app.storage.base import Store

__all__ = ["Store"]
