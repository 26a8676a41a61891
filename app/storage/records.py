"""Stored records that cannot be read: skipped and reported, never fatal.

A truncated `info.json`, a job record with a state this version does not know, a log
that is not JSON lines: one bad object must not stop the server or hide anyone else's
things. The repositories parse through `parse_record`, which turns any parse failure into
`Unreadable` with a reason that names what is wrong and never quotes the content (a
record may hold a secret); `report` logs it with the key, once per key and process.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("spawnit.storage")

T = TypeVar("T")

_REPORTED_MAX = 10_000  # keys already reported (a bound: the set cannot grow forever)
_reported: set[str] = set()


class Unreadable(Exception):
    """A stored object whose content this version cannot use; `reason` quotes no content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reason(exc: BaseException) -> str:
    """What is wrong with a record, from the exception its parse raised, without content."""
    if isinstance(exc, Unreadable):
        return exc.reason
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at character {exc.pos})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 (at byte {exc.start})"
    if isinstance(exc, KeyError):
        return "a required field is missing"
    if isinstance(exc, (TypeError, AttributeError)):
        return "a field has the wrong type"
    return f"a field has a value this version does not know ({type(exc).__name__})"


def parse_record(key: str, raw: bytes, parse: Callable[[Any], T]) -> T:
    """`parse(json.loads(raw))`, or `Unreadable` (reported) if anything in it fails."""
    try:
        return parse(json.loads(raw))
    except Exception as exc:  # any parse failure: the record is unusable, not the server
        why = reason(exc)
        report(key, why)
        raise Unreadable(why) from None


def report(key: str, why: str) -> None:
    """One warning per key: the key and what is wrong, never the content."""
    if key in _reported:
        return
    if len(_reported) >= _REPORTED_MAX:
        _reported.clear()
    _reported.add(key)
    log.warning("stored record %s cannot be read: %s; skipped (repair or remove it)", key, why)
