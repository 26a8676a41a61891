"""The engine's output is read by a thread of its own and each line stamped when read:
an event loop too busy to take the lines never blocks the engine on a full pipe, and the
lines keep the time they were written, not the time the loop got to them."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from app.clock import now
from app.engine.command import LINE_LIMIT, Backlog, EngineCommand, split_lines

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


def test_lines_are_split_across_reads_and_long_ones_cut() -> None:
    lines, rest = split_lines(b"one\r\ntwo\nthr")
    assert (lines, rest) == ([b"one\r", b"two"], b"thr")
    lines, rest = split_lines(rest + b"ee\n\n")
    assert (lines, rest) == ([b"three", b""], b"")
    long = b"x" * (2 * LINE_LIMIT + 5)
    lines, rest = split_lines(long + b"\nnext")
    assert [len(line) for line in lines] == [LINE_LIMIT, LINE_LIMIT, 5] and rest == b"next"
    lines, rest = split_lines(b"y" * (LINE_LIMIT + 3))  # no newline yet: the limit's worth goes
    assert [len(line) for line in lines] == [LINE_LIMIT] and rest == b"yyy"


async def test_a_long_line_and_a_last_line_without_newline_come_out_whole(tmp_path: Path) -> None:
    writer = f"import sys; sys.stdout.write('a' * {LINE_LIMIT + 10} + '\\n' + 'b' * 70000 + '\\r\\nlast')"
    command = await EngineCommand.start([sys.executable, "-c", writer], tmp_path, {"PATH": "/usr/bin:/bin"})
    texts = [text async for text in command.lines()]
    assert await command.wait() == 0
    assert [len(t) for t in texts] == [LINE_LIMIT, 10, 70000, 4]
    assert texts[3] == "last" and set(texts[0] + texts[1]) == {"a"} and set(texts[2]) == {"b"}


def test_the_backlog_holds_the_reader_at_its_limit() -> None:
    backlog = Backlog(10)
    backlog.add(25)  # one read may go past the limit
    added = threading.Event()
    reader = threading.Thread(target=lambda: (backlog.add(1), added.set()))
    reader.start()
    assert not added.wait(0.2)  # held while 25 lines wait for the loop
    backlog.take(20)
    assert added.wait(10)
    reader.join()
    assert backlog.lines == 6
