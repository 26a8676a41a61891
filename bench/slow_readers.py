"""3b. Subscribers that never read: `jobLogs` subscribers on raw websockets with a 4 KiB
receive buffer (and a client that stops reading its socket) follow a job printing
10,000 lines of 1,000 characters, beside one subscriber of the same operation that reads;
they read nothing until the job has ended. Measured:
the server's RSS growth (this process: SpawnIt runs in it, the subscribers in another),
the job's time, and, once they read: how many were completed with the slow-consumer
error and resumed from its `resumeFromLine`, and whether any line was lost."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import socket
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.client import Api, Ws
from bench.report import mib, progress, table
from bench.sampling import TreeSampler, rss

QUERY = "subscription($id: ID!, $from: Int!) { jobLogs(jobId: $id, fromLine: $from) { number text } }"
NUMBERS = "subscription($id: ID!, $from: Int!) { jobLogs(jobId: $id, fromLine: $from) { number } }"


async def _never_reading(url: str, job_id: str) -> Any:
    host, port = url.removeprefix("ws://").split("/")[0].rsplit(":", 1)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, int(port)))
    ws = await connect(
        url,
        sock=sock,
        subprotocols=["graphql-transport-ws"],
        max_queue=1,
        compression=None,
        ping_interval=None,
        max_size=None,
    )  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    await ws.recv()
    payload = {"query": QUERY, "variables": {"id": job_id, "from": 0}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


async def _read(ws: Any) -> tuple[int, int | None]:
    """Lines read to the end, and the resumeFromLine of a slow-consumer error (if any)."""
    got, resume = 0, None
    try:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "complete":
                break
            payload = message.get("payload") or {}
            for error in payload.get("errors") or ():
                resume = (error.get("extensions") or {}).get("resumeFromLine", resume)
            if payload.get("data"):
                got += 1
    except ConnectionClosed:  # closed by the server (its keepalive ping went unanswered): resume too
        resume = got if resume is None else resume
    with contextlib.suppress(Exception):
        await ws.close()
    return got, resume


async def _resume(url: str, job_id: str, start: int, query: str = NUMBERS) -> int:
    ws, count = await Ws.open(url), 0
    try:
        async for _data, _ in ws.follow(query, {"id": job_id, "from": start}):
            count += 1
    finally:
        await ws.close()
    return count


async def _clients(url: str, job_id: str, count: int, conn: Any) -> None:
    sockets = [await _never_reading(url, job_id) for _ in range(count)]
    reader = asyncio.create_task(_resume(url, job_id, 0, QUERY))  # one follower that reads: the crowd moves on
    conn.send("subscribed")
    await asyncio.to_thread(conn.recv)  # the job has ended: read now
    await reader
    read = await asyncio.gather(*(_read(ws) for ws in sockets))
    resumed = await asyncio.gather(*(_resume(url, job_id, r) for _, r in read if r is not None))
    totals, it = [], iter(resumed)
    for got, r in read:
        totals.append(got if r is None else r + next(it))
    conn.send({"errors": sum(r is not None for _, r in read), "totals": totals})
    conn.close()


def clients(url: str, job_id: str, count: int, conn: Any) -> None:
    asyncio.run(_clients(url, job_id, count, conn))


async def slow_round(api: Api, gate: Path, side: str, quick: bool) -> dict[str, Any]:
    from bench.log_stream import ENTRY, job_times

    count, lines, pad = (10, 2000, 1000) if quick else (100, 10000, 1000)
    progress(f"{count} subscribers that never read, {lines} lines of {pad} characters, {side}")
    gate.unlink(missing_ok=True)
    service = await api.create(
        ENTRY, "bench", f"slow-{count}", {"lines": lines, "rate": 0, "gate": str(gate), "pad": pad}
    )
    job_id = await api.submit("applyService", service)
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=clients, args=(api.ws_url, job_id, count, child), daemon=True)
    before = rss(os.getpid())
    proc.start()
    child.close()  # the child's end is the child's: its death is an EOF here
    try:
        assert await asyncio.to_thread(parent.recv) == "subscribed"
        ws = await Ws.open(api.ws_url)
        with TreeSampler(os.getpid()) as sampler:
            gate.touch()
            state = await ws.wait_job(job_id, 1800)
        await ws.close()
        parent.send("read")
        if not await asyncio.to_thread(parent.poll, 1800):
            raise RuntimeError("the subscribers did not finish reading within 30 min")
        got = await asyncio.to_thread(parent.recv)
    finally:
        gate.touch()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    times = await job_times(api, job_id)
    total = len(
        (await api.run("query($id: ID!) { job(id: $id) { logs(fromLine: 0, limit: null) { number } } }", id=job_id))[
            "job"
        ]["logs"]
    )
    return {
        "side": side,
        "count": count,
        "lines": lines,
        "pad": pad,
        "before": before,
        "growth": sampler.peak_self - before,
        "state": state,
        "ended": times["ended"],
        "errors": got["errors"],
        "lost": sum(total - t for t in got["totals"]),
    }


def slow_body(results: list[dict]) -> str:
    rows = [
        (
            r["side"],
            r["count"],
            f"{r['lines']:,} × {r['pad']:,} chars",
            mib(r["before"]),
            mib(r["growth"]),
            f"{r['ended']:.2f} s",
            r["state"],
            r["errors"],
            f"{r['lost']:,}",
        )
        for r in results
    ]
    text = table(
        (
            "server",
            "subscribers",
            "lines",
            "RSS before",
            "peak RSS growth",
            "job: first line → ended",
            "job",
            "completed with resumeFromLine",
            "lines lost after resuming",
        ),
        rows,
    )
    return text + (
        "\n\nThe subscribers (another process) open raw websockets with a 4 KiB receive buffer and read nothing "
        "until the job has ended (one more subscriber of the same operation reads all along); then each reads what reached it; one completed with the slow-consumer error "
        "subscribes again from its `resumeFromLine`. Lines lost = log lines − lines each subscriber got (before "
        "the error + after resuming), summed. RSS: the bench's process, where SpawnIt runs (sampled every 50 ms)."
    )
