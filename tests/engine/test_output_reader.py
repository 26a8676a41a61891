"""The engine's output is read by a thread of its own and each line stamped when read:
an event loop too busy to take the lines never blocks the engine on a full pipe, and the
lines keep the time they were written, not the time the loop got to them."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from app.clock import now
from app.engine.command import EngineCommand

LINES = 20_000  # ~2 MB: many times what a pipe holds (64 KiB)
WRITER = """
import sys, pathlib
for i in range(%d):
    print("line", i, "x" * 90, flush=True)
pathlib.Path(sys.argv[1]).touch()
"""


def _hold_the_loop_until(marker: Path, deadline: float) -> bool:
    """The event loop, busy (not awaiting) until the child says it wrote everything."""
    while not marker.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)  # this thread IS the blocked loop: nothing could notify it
    return True


async def test_a_busy_event_loop_never_blocks_the_engine_and_lines_keep_their_read_time(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    command = await EngineCommand.start(
        [sys.executable, "-c", WRITER % LINES, str(marker)], tmp_path, {"PATH": "/usr/bin:/bin"}
    )
    wrote_everything = _hold_the_loop_until(marker, time.monotonic() + 60)
    released = now()
    stamped = [item async for item in command.stamped()]
    assert await command.wait() == 0
    assert wrote_everything, "the engine waited on its pipe while the event loop was busy"
    assert [text.split()[1] for _, text in stamped] == [str(i) for i in range(LINES)]
    # stamped when read, while the loop was held: all but what the pipe still held (64 KiB)
    assert sum(at <= released for at, _ in stamped) >= LINES - 1000
    assert [at for at, _ in stamped] == sorted(at for at, _ in stamped)
