"""`/metrics`: Prometheus' text format, on every role. Counters and histograms are fed
where things happen (`app/metrics.py`); the gauges of a state are set here, at each scrape,
from this process's own objects: its live jobs by kind and state, the queue's depth, the
subscriptions its bus holds."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app import metrics
from app.jobs.model import JobKind, JobState


def sample(spawnit: Any, depth: int | None = None) -> None:
    """The gauges, as this process is now (`depth`: the shared queue's, if known)."""
    jobs = Counter((lj.job.kind, lj.job.state) for lj in spawnit.runner.live)
    for kind in JobKind:
        for state in JobState:
            metrics.JOBS.labels(kind.value, state.value).set(jobs[(kind, state)])
    if depth is None:
        depth = sum(n for (_, state), n in jobs.items() if state is JobState.QUEUED)
    metrics.QUEUE_DEPTH.set(depth)
    metrics.SUBSCRIBERS.set(subscriptions(spawnit.bus))


def subscriptions(bus: Any) -> int:
    """Every subscription the bus holds (the shared bus counts them; the in-memory one by topic)."""
    held = getattr(bus, "subscriptions", None)
    if isinstance(held, int):
        return held
    topics = getattr(bus, "_topics", None) or {}
    return sum(bus.subscribers(topic) for topic in list(topics))


async def shared_depth(spawnit: Any) -> int | None:
    """The shared queue's depth (jobs queued or taken, the cluster's), or None: one
    process, or Redis not answering (the gauge then keeps this process's count)."""
    depth = getattr(getattr(spawnit.runner, "queue", None), "depth", None)
    if depth is None:
        return None
    try:
        return int(await asyncio.wait_for(depth(), 2))
    except Exception:  # Redis away: /metrics still answers (spawnit_redis_up says why)
        return None


async def metrics_endpoint(request: Request) -> Response:
    spawnit = getattr(request.app.state, "spawnit", None)
    if spawnit is not None:
        sample(spawnit, await shared_depth(spawnit))
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


def metrics_route() -> Route:
    """The `/metrics` route, for every role's app."""
    return Route("/metrics", metrics_endpoint)
