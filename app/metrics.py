"""What a SpawnIt process counts, in Prometheus' terms (`prometheus_client`), served on
`/metrics` by every role.

The metrics live in a registry of SpawnIt's own (`REGISTRY`), not the library's global
one, so a test process that builds several apps never registers a name twice. Counters
and histograms are fed where the thing happens (`job_ended`, `engine_ran`, ...); gauges
that describe a state (live jobs, queue depth, subscribers) are set when `/metrics` is
scraped, from the process's own objects (`app/http/metrics.py`).

Names and labels are SpawnIt's words (job kinds, states, engine commands, verdicts): no
id and no user string ever becomes a label (a label per job or service would grow
without bound).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)
CONTENT_TYPE = CONTENT_TYPE_LATEST

# seconds: a plan is ~1 s here, an apply of a real service minutes, the timeout an hour
_JOB_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
_ENGINE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600)

JOBS = Gauge(
    "spawnit_jobs",
    "Jobs this process holds live (queued, running, or just ended), by kind and state",
    ["kind", "state"],
    registry=REGISTRY,
)
JOBS_ENDED = Counter(
    "spawnit_jobs_ended",
    "Jobs that ended in this process, by kind and final state",
    ["kind", "state"],
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "spawnit_job_duration_seconds",
    "A job's time from its start to its end, by kind and final state",
    ["kind", "state"],
    buckets=_JOB_BUCKETS,
    registry=REGISTRY,
)
ENGINE_DURATION = Histogram(
    "spawnit_engine_duration_seconds",
    "One engine command's time (init, plan, apply, destroy), by command and exit",
    ["command", "outcome"],
    buckets=_ENGINE_BUCKETS,
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "spawnit_queue_depth",
    "Jobs waiting in the job queue (shared mode: the cluster's queue, as this process sees it)",
    registry=REGISTRY,
)
LEASE_EXPIRIES = Counter(
    "spawnit_lease_expiries",
    "Job leases found expired (the worker running the job died): each job recorded INTERRUPTED",
    registry=REGISTRY,
)
DRIFT_VERDICTS = Counter(
    "spawnit_drift_verdicts",
    "Drift checks that ended, by verdict",
    ["verdict"],
    registry=REGISTRY,
)
SUBSCRIBERS = Gauge(
    "spawnit_live_subscribers",
    "Subscriptions held on this process's bus (jobLogs, jobUpdates, serviceEvents)",
    registry=REGISTRY,
)
BUS_CONNECTED = Gauge(
    "spawnit_redis_up",
    "1 while this process's shared-mode connection to Redis works, 0 when it does not (absent: no Redis)",
    registry=REGISTRY,
)


def job_ended(kind: str, state: str, seconds: float | None) -> None:
    """A job ended: counted, and its duration observed when it had started."""
    JOBS_ENDED.labels(kind, state).inc()
    if seconds is not None:
        JOB_DURATION.labels(kind, state).observe(max(seconds, 0.0))


def engine_ran(command: str, outcome: str, seconds: float) -> None:
    """One engine command ended (`outcome`: ok, failed, stopped)."""
    ENGINE_DURATION.labels(command, outcome).observe(max(seconds, 0.0))


def lease_expired() -> None:
    """A job's lease expired before its worker acked it (the worker died)."""
    LEASE_EXPIRIES.inc()


def drift_verdict(verdict: str) -> None:
    DRIFT_VERDICTS.labels(verdict).inc()


def render() -> bytes:
    """The exposition text of every SpawnIt metric."""
    return generate_latest(REGISTRY)
