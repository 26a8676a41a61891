"""What a job's topic carries: a new revision of its record, or a new line of its log."""

from __future__ import annotations

from dataclasses import dataclass

from app.jobs.logs import LogLine
from app.jobs.model import Job


@dataclass(frozen=True)
class LineEvent:
    line: LogLine


@dataclass(frozen=True)
class JobEvent:
    job: Job
