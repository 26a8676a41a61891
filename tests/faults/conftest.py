"""Fault tests freeze engines: none outlives its test, even a failed one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.engines import kill_frozen


@pytest.fixture(autouse=True)
def no_frozen_engine_left() -> Iterator[None]:
    yield
    kill_frozen()
