"""The bus's events as JSON for Redis (never pickle: what comes out of Redis is data, not
code): a job's new record, a line of its log, a service event. Anything else published on
the bus stays in its process."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.engine.json_events import ResourceChange
from app.jobs.logs import LogLine
from app.jobs.model import Job
from app.jobs.updates import JobEvent, LineEvent
from app.services.events import EventKind, ServiceEvent


def encode(event: Any) -> dict[str, Any] | None:
    """The event as a JSON-able dict, or None for an event that is not shared."""
    if isinstance(event, LineEvent):
        return {"type": "line", **line_fields(event.line)}
    if isinstance(event, JobEvent):
        return {"type": "job", "job": event.job.to_record()}
    if isinstance(event, ServiceEvent):
        return {
            "type": "service",
            "tenant": event.tenant,
            "service_id": event.service_id,
            "kind": event.kind.value,
            "old": event.old,
            "new": event.new,
            "at": event.at.isoformat(),
            "job_id": event.job_id,
            "resources": [[r.address, r.action] for r in event.resources],
        }
    return None


def decode(data: dict[str, Any]) -> Any:
    """The event `encode` made (raises KeyError/ValueError on anything else)."""
    kind = data["type"]
    if kind == "line":
        return LineEvent(line_of(data))
    if kind == "job":
        return JobEvent(Job.from_record(data["job"]))
    if kind == "service":
        return ServiceEvent(
            tenant=str(data["tenant"]),
            service_id=str(data["service_id"]),
            kind=EventKind(data["kind"]),
            old=data.get("old"),
            new=str(data["new"]),
            at=datetime.fromisoformat(data["at"]),
            job_id=data.get("job_id"),
            resources=tuple(ResourceChange(str(a), str(b)) for a, b in data.get("resources") or ()),
        )
    raise ValueError(f"unknown event type {kind!r}")


def line_fields(line: LogLine) -> dict[str, Any]:
    return {"n": line.number, "t": line.text, "at": line.at.isoformat()}


def line_of(data: dict[str, Any]) -> LogLine:
    return LogLine(int(data["n"]), str(data["t"]), datetime.fromisoformat(str(data["at"])))


def dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()
