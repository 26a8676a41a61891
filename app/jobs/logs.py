"""A job's log: numbered lines (from 0), kept in memory while the job lives and
archived to storage as JSON lines when it ends (and flushed while it runs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LogLine:
    number: int
    text: str
    at: datetime


class LogBook:
    def __init__(self, lines: list[LogLine] | None = None) -> None:
        self.lines: list[LogLine] = list(lines or ())
        self.flushed = len(self.lines)

    def add(self, text: str, at: datetime) -> LogLine:
        if "\n" in text or "\r" in text:  # one line per line, whatever a message carried
            text = " ".join(part for part in text.splitlines() if part.strip())
        line = LogLine(len(self.lines), text, at)
        self.lines.append(line)
        return line

    def since(self, number: int, limit: int | None = None) -> list[LogLine]:
        start = max(number, 0)
        end = None if limit is None else start + max(limit, 0)
        return self.lines[start:end]

    @property
    def dirty(self) -> bool:
        return self.flushed != len(self.lines)


def encode(lines: list[LogLine]) -> bytes:
    return "".join(json.dumps({"n": l.number, "t": l.text, "at": l.at.isoformat()}) + "\n" for l in lines).encode()


def decode(data: bytes) -> list[LogLine]:
    out = []
    for raw in data.decode("utf-8", errors="replace").splitlines():
        if raw.strip():
            item = json.loads(raw)
            out.append(LogLine(int(item["n"]), str(item["t"]), datetime.fromisoformat(item["at"])))
    return out
