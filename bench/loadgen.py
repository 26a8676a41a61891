"""The API scenario's load generator, run in a process of its own (stdlib only, so it
starts fast): a fixed number of keep-alive HTTP/1.1 connections, each sending the next
request as soon as the answer is in, for a fixed duration."""

from __future__ import annotations

import array
import asyncio
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit


def load(url: str, query: str, concurrency: int, seconds: float, conn: Any) -> None:
    conn.send(asyncio.run(_load(url, query, concurrency, seconds)))
    conn.close()


async def _load(url: str, query: str, concurrency: int, seconds: float) -> tuple[int, int, bytes, float]:
    parts = urlsplit(url)
    body = json.dumps({"query": query}).encode()
    request = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    length_re = re.compile(rb"content-length: *(\d+)", re.I)
    latencies = array.array("d")
    errors = [0]
    end = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                data = await reader.readexactly(int(length_re.search(head).group(1)))
                latencies.append((time.perf_counter() - t0) * 1000)
                if not head.startswith(b"HTTP/1.1 200") or b'"errors":' in data:
                    errors[0] += 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies), errors[0], latencies.tobytes(), time.perf_counter() - t0
