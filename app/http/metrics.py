"""`/metrics`: Prometheus' text format, on every role. Counters and histograms are fed
where things happen (`app/metrics.py`); the gauges of a state are set here, at each scrape,
from this process's own objects: its live jobs by kind and state, the queue's depth, the
subscriptions its bus holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app import metrics
from app.jobs.model import JobKind, JobState

# the queue's depth, when something better than this process's queued jobs knows it
# (shared mode's queue sets it: the cluster's depth)
queue_depth: Callable[[Any], int] | None = None


def sample(spawnit: Any) -> None:
    """The gauges, as this process is now."""
    jobs = Counter((lj.job.kind, lj.job.state) for lj in spawnit.runner.live)
    for kind in JobKind:
        for state in JobState:
            metrics.JOBS.labels(kind.value, state.value).set(jobs[(kind, state)])
    depth = queue_depth(spawnit) if queue_depth is not None else None
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


async def metrics_endpoint(request: Request) -> Response:
    spawnit = getattr(request.app.state, "spawnit", None)
    if spawnit is not None:
        sample(spawnit)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


def metrics_route() -> Route:
    """The `/metrics` route, for every role's app."""
    return Route("/metrics", metrics_endpoint)
