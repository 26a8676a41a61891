"""Measurements side by side (A and B alternating) and their summary: median,
percentiles, range."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


async def alternate(rounds: int, a: Callable[[], Any], b: Callable[[], Any]) -> tuple[list[float], list[float]]:
    """A, B, A, B, ...: each callable returns one measurement (ms)."""
    xs: list[float] = []
    ys: list[float] = []
    for _ in range(rounds):
        xs.append(await a())
        ys.append(await b())
    return xs, ys


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Stats:
    n: int
    median: float
    p90: float
    p99: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        ordered = sorted(values)
        if not ordered:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan)
        return cls(
            len(ordered),
            percentile(ordered, 50),
            percentile(ordered, 90),
            percentile(ordered, 99),
            ordered[0],
            ordered[-1],
        )

    def range(self, fmt: Callable[[float], str]) -> str:
        return f"{fmt(self.min)}–{fmt(self.max)}"
