"""The threads that read engines' output (app/engine/command.py), kept for the next
engine when one's output ends.

Starting a thread waits until it runs; under job load (8 applies on 2 cores) that wait,
once per engine start, held SpawnIt's event loop up to 60 ms. A thread that finished
reading one engine waits for the next instead, so only a new peak of engines running at
once starts one; there are never more threads than that peak.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("spawnit.engine")


class Readers:
    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.idle = 0  # threads waiting for a task
        self.threads = 0

    def run(self, task: Callable[[], None]) -> None:
        """`task` in one of the threads: an idle one, else a new one."""
        with self._lock:
            spare = self.idle > 0
            if spare:
                self.idle -= 1  # reserved: the task below is that thread's
            else:
                self.threads += 1
        self._tasks.put(task)
        if not spare:
            threading.Thread(target=self._work, name=f"engine-output-{self.threads}", daemon=True).start()

    def _work(self) -> None:  # pragma: no cover - a thread
        while True:
            task = self._tasks.get()
            try:
                task()
            except Exception:
                log.exception("reading an engine's output failed")
            with self._lock:
                self.idle += 1


READERS = Readers()
