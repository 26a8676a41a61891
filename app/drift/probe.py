"""Probing a service's `endpoint` output: a TCP connect, or an HTTP GET when the
endpoint is a URL. Only loopback and the service's own address are ever probed: the
address comes from the engine's output of the service's module, never from a caller."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.drift.model import HealthStatus
from app.localtarget.ports import port_owner_problem


@dataclass(frozen=True)
class ProbeResult:
    status: HealthStatus
    latency_ms: float | None
    detail: str | None = None


async def probe(endpoint: object, timeout: float, owner: object = None) -> ProbeResult:
    """Probe `endpoint`; with `owner` (the local target's `pid` output) a healthy answer
    counts only if the socket listening on the port is that process's (or one of its own):
    another program on the port, say another service's, is not this service."""
    result = await _probe(endpoint, timeout)
    if result.status is not HealthStatus.HEALTHY or not isinstance(owner, int | float) or owner <= 1:
        return result
    port = _port(endpoint)
    if port is None:
        return result
    problem = await asyncio.to_thread(port_owner_problem, port, int(owner))
    if problem is not None:
        return ProbeResult(HealthStatus.UNHEALTHY, result.latency_ms, problem)
    return result


def _port(endpoint: object) -> int | None:
    if not isinstance(endpoint, str):
        return None
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        return parts.port or (443 if parts.scheme == "https" else 80)
    _, _, port = endpoint.rpartition(":")
    return int(port) if port.isdigit() else None


async def _probe(endpoint: object, timeout: float) -> ProbeResult:
    if not isinstance(endpoint, str) or not endpoint:
        return ProbeResult(HealthStatus.UNKNOWN, None, "the service has no endpoint output")
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return await _tcp(parts.hostname or "", parts.port or 0, timeout)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return await _http(parts.scheme, parts.hostname, port, parts.path or "/", timeout)
    host, _, port_text = endpoint.rpartition(":")
    if not host or not port_text.isdigit():
        return ProbeResult(HealthStatus.UNKNOWN, None, f"endpoint {endpoint!r} is not host:port")
    return await _tcp(host.strip("[]"), int(port_text), timeout)


async def _tcp(host: str, port: int, timeout: float) -> ProbeResult:
    started = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (TimeoutError, OSError) as exc:
        return ProbeResult(HealthStatus.UNHEALTHY, None, f"TCP connect to port {port}: {type(exc).__name__}")
    latency = (time.perf_counter() - started) * 1000
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return ProbeResult(HealthStatus.HEALTHY, round(latency, 2))


async def _http(scheme: str, host: str, port: int, path: str, timeout: float) -> ProbeResult:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=scheme == "https" or None), timeout
        )
        try:
            request = f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: spawnit-health\r\n\r\n"
            writer.write(request.encode())
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), timeout)
        finally:
            writer.close()
    except (TimeoutError, OSError) as exc:
        return ProbeResult(HealthStatus.UNHEALTHY, None, f"HTTP GET: {type(exc).__name__}")
    latency = round((time.perf_counter() - started) * 1000, 2)
    parts = status_line.decode("latin-1").split()
    if len(parts) < 2 or not parts[1].isdigit():
        return ProbeResult(HealthStatus.UNHEALTHY, latency, "HTTP GET: no status line")
    code = int(parts[1])
    if code >= 500:
        return ProbeResult(HealthStatus.UNHEALTHY, latency, f"HTTP {code}")
    return ProbeResult(HealthStatus.HEALTHY, latency, f"HTTP {code}")
