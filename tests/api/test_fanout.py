"""Log fan-out over real websockets to a real server: subscribers of one job with the same
operation share one execution per message (whatever their protocol or `fromLine`), other
variables make other groups; a subscriber that never reads holds no memory without
bound and never slows the job: on `jobLogs` it ends with a coded error and resumes with
`fromLine`, on `jobLogBatches` it gets coalesced batches, both without a gap."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect

from app.settings import Settings
from schema import types
from tests.api.client import LEGACY_WS, TRANSPORT_WS, Api, GraphQLErrors
from tests.api.loglines import apply_lines, lines_catalog
from tests.server import Running, Start

LOGS = "subscription($id: ID!, $from: Int!) { jobLogs(jobId: $id, fromLine: $from) { number text } }"
BATCHES = (
    "subscription($id: ID!, $from: Int!, $most: Int!) "
    "{ jobLogBatches(jobId: $id, fromLine: $from, maxLines: $most) { number text } }"
)
QUIET = "Provisioning with"  # the last line before the provisioner waits for its gate


async def lines_server(start: Start, tmp_path: Path) -> Running:
    defaults = Settings()
    return await start(**lines_catalog(tmp_path, defaults.catalog_dir, defaults.modules_dir))


def fanout_groups(spawnit: Running) -> int:
    view = next(r.app for r in spawnit.server.config.app.routes if isinstance(r, WebSocketRoute))  # type: ignore[union-attr]
    fanout = getattr(view, "fanout", None)
    return len(fanout.groups) if fanout is not None else 0


async def follow(api: Api, query: str, protocol: str, quiet: asyncio.Event, **variables: Any) -> list[dict]:
    got: list[dict] = []
    async for item in api.subscribe(query, protocol=protocol, **variables):
        value = next(iter(item.values()))
        got.extend(value if isinstance(value, list) else [value])
        if any(QUIET in line["text"] for line in got):
            quiet.set()
    return got


async def test_identical_subscribers_share_one_execution_per_message(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawnit = await lines_server(start, tmp_path)
    api, gate = spawnit.api, tmp_path / "gate"
    job_id = await apply_lines(api, "crowd", lines=300, gate=str(gate))
    mapped: collections.Counter[int] = collections.Counter()  # line number -> executions that mapped it
    plain = types.LogLine.of.__func__  # type: ignore[attr-defined]

    def counted(cls: type, line: Any) -> Any:
        mapped[line.number] += 1
        return plain(cls, line)

    monkeypatch.setattr(types.LogLine, "of", classmethod(counted))
    same = [(LOGS, p, {"from": f}) for p, f in ((TRANSPORT_WS, 0), (LEGACY_WS, 0), (TRANSPORT_WS, 0), (LEGACY_WS, 2))]
    other = [(BATCHES, p, {"from": 0, "most": m}) for p, m in ((TRANSPORT_WS, 50), (LEGACY_WS, 50), (TRANSPORT_WS, 60))]
    quiet = [asyncio.Event() for _ in same + other]
    tasks = [
        asyncio.create_task(follow(api, q, p, e, id=job_id, **v))
        for (q, p, v), e in zip(same + other, quiet, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in quiet)), 120)
    groups = fanout_groups(spawnit)
    before = max(mapped)  # every subscriber is there: from now on, lines are new to all
    gate.touch()
    results = await asyncio.wait_for(asyncio.gather(*tasks), 120)
    counts = dict(mapped)  # before the log is read over HTTP below (which maps each line once more)
    stored = [{"number": l["number"], "text": l["text"]} for l in await api.logs(job_id)]
    for got, (_, _, variables) in zip(results, same + other, strict=True):
        assert got == stored[variables["from"] :]
    new = {n: counts.get(n, 0) for n in range(before + 1, len(stored))}
    assert len(new) >= 300
    assert set(new.values()) == {3}, new  # one execution per group, not one per subscriber
    assert groups == 3  # jobLogs (any fromLine, either protocol), maxLines 50, maxLines 60
    assert fanout_groups(spawnit) == 0


async def _never_reading(url: str, query: str, variables: dict[str, Any]) -> Any:
    """A graphql-transport-ws client with a tiny receive buffer that reads nothing
    after its subscription is acknowledged."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(_addr(url))
    ws = await connect(url, sock=sock, subprotocols=[TRANSPORT_WS], max_queue=1, ping_interval=None, compression=None)  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}))
    return ws


def _addr(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("ws://").split("/")[0].rsplit(":", 1)
    return host, int(port)


async def _read_all(ws: Any) -> tuple[list[int], list[dict]]:
    numbers, errors = [], []
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "complete":
            return numbers, errors
        assert message["type"] == "next", message
        if message["payload"].get("errors"):
            errors.extend(message["payload"]["errors"])
            continue
        value = next(iter(message["payload"]["data"].values()))
        numbers.extend(line["number"] for line in (value if isinstance(value, list) else [value]))


def _rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def test_a_subscriber_that_never_reads_is_bounded_and_resumes_without_a_gap(start: Start, tmp_path: Path) -> None:
    spawnit = await lines_server(start, tmp_path)
    api, gate, lines = spawnit.api, tmp_path / "gate", 10_000
    job_id = await apply_lines(api, "slow", lines=lines, pad=1000, gate=str(gate))
    rss = _rss()
    logs = [await _never_reading(api.ws_url, LOGS, {"id": job_id, "from": 0}) for _ in range(2)]
    batches = await _never_reading(api.ws_url, BATCHES, {"id": job_id, "from": 0, "most": 500})
    reader = asyncio.create_task(follow(api, LOGS, TRANSPORT_WS, asyncio.Event(), id=job_id, **{"from": 0}))
    gate.touch()
    assert (await api.wait_job(job_id, timeout=600))["state"] == "SUCCEEDED"  # not slowed to their pace
    growth = _rss() - rss  # the job's 10 MB log (and the reader's copy, in this process) included
    assert [l["number"] for l in await asyncio.wait_for(reader, 120)] == list(range(len(await api.logs(job_id))))
    stored = await api.logs(job_id)
    total = len(stored)
    assert total > lines
    for ws in logs:
        numbers, errors = await asyncio.wait_for(_read_all(ws), 120)
        assert numbers == list(range(len(numbers))) and len(numbers) < total
        assert [e["extensions"]["code"] for e in errors] == ["UNAVAILABLE"], errors
        assert errors[0]["extensions"]["resumeFromLine"] == len(numbers)
        rest = [item["jobLogs"]["number"] async for item in api.subscribe(LOGS, id=job_id, **{"from": len(numbers)})]
        assert numbers + rest == list(range(total))
        await ws.close()
    numbers, errors = await asyncio.wait_for(_read_all(batches), 120)
    assert errors == [] and numbers == list(range(total))  # coalesced: every line, once, in order
    await batches.close()
    assert growth < 64 << 20, f"the server grew by {growth / 2**20:.0f} MiB"
    with pytest.raises(GraphQLErrors) as refused:
        await anext(aiter(api.subscribe(LOGS, id=job_id, **{"from": -1})))
    assert refused.value.codes == ["BAD_USER_INPUT"]
