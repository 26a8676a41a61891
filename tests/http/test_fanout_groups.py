"""The fan-out's groups with an operation of the seam (unit test, no server): a group
waits while every member is full (it never computes more than the bound ahead), a reader
that joins catches up and goes on at its own pace, and the stalled ones, too far behind,
end with the slow-consumer error at their next line."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from strawberry.types.execution import ExecutionResult

from app.http import fanout as fanout_module
from app.http import members
from app.http.fanout import Fanout
from app.http.shared import SharedOperation


class Lines:
    """An operation whose execution yields one line per result, as long as asked."""

    def __init__(self) -> None:
        self.made = 0

    async def results(self, feed: Any) -> Any:
        async def gen() -> Any:
            n = feed.start if feed.catching_up else 0
            while True:
                if feed.catching_up and feed.join(n):
                    return
                if feed.catching_up and n >= feed.position():
                    await feed.moved()
                    continue
                feed.reached(n, n)
                self.made += 1
                yield ExecutionResult(data={"line": n}, errors=None)
                n += 1

        return gen()


class Sink:
    def __init__(self, stuck: bool) -> None:
        self.got: list[Any] = []
        self.stuck = asyncio.Event() if stuck else None
        self.done = asyncio.Event()

    async def next(self, payload: str) -> None:
        if self.stuck is not None:
            await self.stuck.wait()  # a socket whose client never reads
        self.got.append(json.loads(payload))
        if len(self.got) >= 50:
            self.done.set()
            await asyncio.Event().wait()

    async def errors(self, errors: list[Any]) -> None:
        self.got.append(errors)

    async def complete(self) -> None:
        self.got.append("complete")
        self.done.set()


async def until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0)  # readiness of tasks in this loop: each turn lets them run


async def test_a_group_waits_for_stalled_members_and_goes_on_with_a_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(members, "QUEUE_FRAMES", 5)
    fanout, operation = Fanout(), Lines()
    shared = SharedOperation(("tenant", False, "doc", None, "{}"), 0, batches=False)
    stuck = [Sink(stuck=True) for _ in range(2)]
    tasks = [asyncio.create_task(fanout.follow(shared, operation, s)) for s in stuck]
    await until(lambda: fanout.groups and next(iter(fanout.groups.values())).waiting)
    group = next(iter(fanout.groups.values()))
    made = operation.made
    assert made <= 5 + 2  # the bound, the one each stuck socket holds, and the one waiting for room
    reader = Sink(stuck=False)
    tasks.append(asyncio.create_task(fanout.follow(shared, operation, reader)))
    await asyncio.wait_for(reader.done.wait(), 10)
    assert [m["data"]["line"] for m in reader.got[:50]] == list(range(50))  # caught up, then joined: no gap
    for sink in stuck:
        assert sink.stuck is not None
        sink.stuck.set()
        await asyncio.wait_for(sink.done.wait(), 10)
        lines = [m["data"]["line"] for m in sink.got if isinstance(m, dict) and m.get("data")]
        assert lines == list(range(len(lines)))
        error = next(m for m in sink.got if isinstance(m, dict) and m.get("errors"))["errors"][0]
        assert error["extensions"] == {"code": "UNAVAILABLE", "reason": "SLOW_CONSUMER", "resumeFromLine": len(lines)}
        assert sink.got[-1] == "complete"
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert fanout.groups == {} and group.attached == 0


class Stamps:
    """A member that notes when each message reached it."""

    def __init__(self, wanted: int) -> None:
        self.at: list[float] = []
        self.wanted, self.done = wanted, asyncio.Event()

    async def next(self, payload: str) -> None:
        self.at.append(asyncio.get_running_loop().time())
        if len(self.at) >= self.wanted:
            self.done.set()
            await asyncio.Event().wait()

    async def errors(self, errors: list[Any]) -> None:  # pragma: no cover - not expected
        raise AssertionError(errors)

    async def complete(self) -> None:  # pragma: no cover - the operation never ends
        raise AssertionError("completed")


async def _gaps(monkeypatch: pytest.MonkeyPatch, batches: bool) -> list[float]:
    monkeypatch.setattr(fanout_module, "PACE_PER_MEMBER", 0.01)  # 10 members: 100 ms
    fanout, operation = Fanout(), Lines()
    shared = SharedOperation(("tenant", False, "doc", None, "{}"), 0, batches=batches)
    sinks = [Stamps(4) for _ in range(10)]
    tasks = [asyncio.create_task(fanout.follow(shared, operation, s)) for s in sinks]
    await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in sinks)), 10)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    at = sinks[0].at
    return [b - a for a, b in zip(at[1:], at[2:], strict=False)]  # from the second message: all members in


async def test_a_crowd_of_batch_subscribers_is_paced_and_line_subscribers_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert min(await _gaps(monkeypatch, batches=True)) >= 0.09  # 10 members × 10 ms, less timer slack
    assert max(await _gaps(monkeypatch, batches=False)) < 0.09  # jobLogs: every line as it comes
