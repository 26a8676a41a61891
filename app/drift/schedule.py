"""When a service's next drift check is due (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta


def next_check(after: datetime, interval: float, jitter: float, draw: float) -> datetime:
    """`after` + the interval + a share `draw` (0..1) of the jitter, so that services
    applied together do not all check together."""
    return after + timedelta(seconds=interval + jitter * draw)


def interval_of(default: float, own: int | None) -> float:
    """A service's own interval (0: not watched), else the default."""
    return default if own is None else float(own)
