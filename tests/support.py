"""What the tests and the benchmarks (bench/) share: a free loopback port, any ASGI app
served by uvicorn in the current event loop, and the killing of processes left behind
under a data folder's run directory. Nothing here depends on pytest."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn

_given: set[int] = set()
_draw = random.Random()


def free_port() -> int:
    """A loopback TCP port nothing uses, never given twice in a run, and below the
    kernel's ephemeral range: a client connection's source port can never take it
    between the moment a test picks it and the moment a service binds it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = _draw.randint(20000, low - 1)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port


def stop_leftovers(run_dir: Path) -> list[int]:
    """Kill every process whose working folder is under `run_dir` (the local target's
    services); return their pids."""
    root = str(run_dir.resolve())
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd == root or cwd.startswith(root + "/"):
            found.append(int(proc.name))
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)
    return found


@contextlib.asynccontextmanager
async def serving_server(app: Any) -> AsyncIterator[tuple[uvicorn.Server, int]]:
    """Any ASGI app under uvicorn on a loopback port, in this event loop: the server
    (once it has started) and its port."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", ws="websockets-sansio", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.02)
    try:
        yield server, port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)


@contextlib.asynccontextmanager
async def serving_app(app: Any) -> AsyncIterator[str]:
    """Any ASGI app under uvicorn on a loopback port, in this event loop: its base URL."""
    async with serving_server(app) as (_, port):
        yield f"http://127.0.0.1:{port}"
