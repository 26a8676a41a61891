"""How SpawnIt's log lines look: `text` (the default: time, level, logger, message) or
`json` (`SPAWNIT_LOG_FORMAT=json`: one JSON object per line, for a log pipeline).

Every line written while a job works carries the job's and its service's ids (and the
tenant's), in both formats: the job's task binds them once (`bind_job`), in a context
variable that the tasks it starts inherit; a filter copies them onto each record."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(job_ids)s"
_ids: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("spawnit_log_ids", default=())


class JobLike(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def service(self) -> str: ...

    @property
    def tenant(self) -> str: ...


def bind_job(job: JobLike) -> None:
    """From here on, in this task (and the tasks it starts), log lines name this job."""
    _ids.set((("job_id", job.id), ("service_id", job.service), ("tenant_id", job.tenant)))


def bound() -> dict[str, str]:
    return dict(_ids.get())


class JobIds(logging.Filter):
    """Puts the bound ids on the record (`record.ids`, and ` [job_id=… service_id=…]` for text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _ids.get()
        record.ids = dict(ids)
        record.job_ids = " [" + " ".join(f"{k}={v}" for k, v in ids) + "]" if ids else ""
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "ids", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def setup(level: str, fmt: str) -> None:
    """The root logger writes to stderr in `fmt` (`text` or `json`); uvicorn's loggers too."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(JobIds())
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def uvicorn_config() -> dict[str, Any]:
    """uvicorn's log_config: none of its own (its loggers propagate to ours)."""
    return {"version": 1, "disable_existing_loggers": False}
