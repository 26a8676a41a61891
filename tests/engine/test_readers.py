"""The threads reading engines' output are kept for the next engine: one starts only for
a new peak of engines running at once."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from app.engine.readers import Readers


def _until(condition: Callable[[], bool], what: str) -> None:
    done = threading.Event()
    for _ in range(1000):  # each turn lets the worker threads run
        if condition():
            return
        done.wait(0.01)
    raise AssertionError(what)


def test_a_finished_reader_takes_the_next_engine_and_only_a_new_peak_starts_a_thread() -> None:
    readers = Readers()
    for i in range(5):  # one engine after the other
        ran = threading.Event()
        readers.run(ran.set)
        assert ran.wait(10)
        _until(lambda: readers.idle == 1, f"the thread was not back after engine {i}")
    assert readers.threads == 1
    release = threading.Event()
    started = [threading.Event() for _ in range(3)]

    def holding(event: threading.Event) -> None:
        event.set()
        release.wait(10)

    for event in started:  # three at once: a peak of three
        readers.run(functools.partial(holding, event))
    assert all(event.wait(10) for event in started)
    assert readers.threads == 3 and readers.idle == 0
    release.set()
    _until(lambda: readers.idle == 3, "the three threads were not back")
    assert readers.threads == 3
