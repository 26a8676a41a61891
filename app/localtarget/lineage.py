"""A process's lineage, from `/proc`: whether a pid is a service leader's own (its
descendant, or a member of its session), and the leader's descendants as they are now."""

from __future__ import annotations

import os
from pathlib import Path

MOST_DESCENDANTS = 4096  # a fork bomb's tree is not walked to its end


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def belongs_to(pid: int, leader: int) -> bool:
    """`pid` is `leader`, in its session, or a descendant of it (across a PID namespace too)."""
    seen = 0
    while pid > 1 and seen < 64:
        if pid == leader:
            return True
        fields = _stat_fields(pid)
        if fields is None:
            return False
        if int(fields[3]) == leader:  # field 6: session id
            return True
        pid, seen = int(fields[1]), seen + 1  # field 4: parent
    return False


def descendants(leader: int) -> list[int]:
    """`leader`'s descendants, from each thread's `children` file (across PID namespaces:
    host pids), without reading every process's. A snapshot: a process that forks
    meanwhile may be missed, and one whose parent exited (reparented) is not among them;
    callers that must be exact fall back to `belongs_to` over every process."""
    found: list[int] = []
    queue = [leader]
    while queue and len(found) < MOST_DESCENDANTS:
        pid = queue.pop()
        if pid != leader:
            found.append(pid)
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                queue.extend(int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split())
            except (OSError, ValueError):
                continue
    return found
