"""Relay-style cursor pagination over an ordered list, as a pure function."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.errors import BadInput

T = TypeVar("T")
MAX_PAGE = 100


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[tuple[T, str]]  # item, cursor
    has_next: bool
    has_previous: bool
    total: int = 0  # the items paged over, on every page


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"c1:{key}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadInput("after: not a cursor this API gave out", field="after") from None
    if not raw.startswith("c1:"):
        raise BadInput("after: not a cursor this API gave out", field="after")
    return raw[3:]


def paginate(items: Sequence[T], key: Callable[[T], str], first: int, after: str | None) -> Page[T]:
    """`items` sorted by `key`; the page of `first` items whose key follows `after`."""
    if first < 0 or first > MAX_PAGE:
        raise BadInput(f"first: must be between 0 and {MAX_PAGE}", field="first")
    start = 0
    if after is not None:
        after_key = decode_cursor(after)
        while start < len(items) and key(items[start]) <= after_key:
            start += 1
    chosen = items[start : start + first]
    return Page(
        items=[(item, encode_cursor(key(item))) for item in chosen],
        has_next=start + first < len(items),
        has_previous=start > 0,
        total=len(items),
    )
