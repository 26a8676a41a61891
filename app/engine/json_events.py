"""The engine's `-json` events folded into what a job shows: phase, progress, summary.

Pure: `parse` turns one output line into an `EngineEvent`, `fold` turns a view and an
event into the next view. No I/O here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

# What `init` says about its lock file, for people who keep a module in version control:
# SpawnIt writes the module and keeps the lock file itself, so none of it helps a reader.
# Whole lines only (Terraform's or OpenTofu's wording), so nothing else is ever dropped.
_E = r"(?:Terraform|OpenTofu)"
_PLATFORM = r"[a-z0-9]+_[a-z0-9]+"
_CHATTER = re.compile(
    "|".join(
        (
            _E + r" has created a lock file \.terraform\.lock\.hcl to record the provider",
            r"selections it made above\. Include this file in your version control repository",
            r"so that " + _E + r" can guarantee to make the same selections by default when",
            r'you run "(?:terraform|tofu) init" in the future\.',
            r"Warning: Incomplete lock file information for providers",
            r"Due to your customized provider installation methods, " + _E + r" was forced to",
            r"calculate lock file checksums locally for the following providers:",
            r"  - [\w.-]+/[\w.-]+/[\w.-]+",  # the providers listed (init's own lines are not indented)
            r"The current \.terraform\.lock\.hcl file only includes checksums for " + _PLATFORM + ",",
            r"so " + _E + r" running on another platform will fail to install these",
            r"providers\.",
            r"To calculate additional checksums for another platform, run:",
            r"  (?:terraform|tofu) providers lock -platform=" + _PLATFORM,
            r"\(where " + _PLATFORM + r" is the platform to generate\)",
        )
    )
)


@dataclass(frozen=True)
class EngineEvent:
    type: str  # the engine's event type, or "text" for a line that is not JSON
    message: str  # the human-readable line people read
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    add: int = 0
    change: int = 0
    destroy: int = 0


@dataclass(frozen=True)
class ResourceChange:
    address: str
    action: str


@dataclass(frozen=True)
class RunView:
    """What one engine run has told so far."""

    planned: tuple[ResourceChange, ...] = ()
    done: int = 0
    errored: int = 0
    summary: Summary | None = None
    outputs: dict[str, dict[str, Any]] | None = None  # name -> {"value", "sensitive"}
    errors: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return len(self.planned)


def parse(line: str) -> EngineEvent:
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict) and "@message" in data:
            return EngineEvent(str(data.get("type", "log")), str(data["@message"]), data)
    return EngineEvent("text", line.rstrip("\n"))


def human_lines(event: EngineEvent) -> list[str]:
    """The lines a person reads for this event (diagnostics carry their detail): one
    line per line, no blank ones, none of the lock-file chatter."""
    lines = event.message.splitlines()
    if event.type == "diagnostic":
        diag = event.data.get("diagnostic") or {}
        detail = diag.get("detail")
        if detail:
            lines.extend(str(detail).splitlines())
    return [line for line in lines if line.strip() and not is_chatter(line)]


def is_chatter(line: str) -> bool:
    """A line of what `init` says about its lock file (see _CHATTER)."""
    return _CHATTER.fullmatch(line.removeprefix("│ ").rstrip()) is not None


def fold(view: RunView, event: EngineEvent) -> RunView:
    data = event.data
    if event.type == "planned_change":
        change = data.get("change") or {}
        resource = (change.get("resource") or {}).get("addr", "?")
        action = str(change.get("action", "?"))
        if any(p.address == resource for p in view.planned):
            return view
        return replace(view, planned=view.planned + (ResourceChange(resource, action),))
    if event.type == "resource_drift":
        return view
    if event.type == "apply_complete":
        return replace(view, done=view.done + 1)
    if event.type == "apply_errored":
        return replace(view, done=view.done + 1, errored=view.errored + 1)
    if event.type == "change_summary":
        changes = data.get("changes") or {}
        summary = Summary(
            add=int(changes.get("add", 0)),
            change=int(changes.get("change", 0)),
            destroy=int(changes.get("remove", 0)),
        )
        return replace(view, summary=summary)
    if event.type == "outputs":
        outputs = data.get("outputs") or {}
        # a plan's outputs event carries actions, not values: only an apply's counts
        if all("value" in o or o.get("action") is None for o in outputs.values()):
            # a sensitive output's value never leaves the engine's state
            kept = {k: {**v, "value": None} if v.get("sensitive") else dict(v) for k, v in outputs.items()}
            return replace(view, outputs=kept)
        return view
    if event.type == "diagnostic" and data.get("@level") == "error":
        return replace(view, errors=view.errors + (event.message,))
    if event.type == "text" and event.message.lstrip("│ ").startswith("Error: "):
        # commands run without -json (init) report errors as text
        return replace(view, errors=view.errors + (event.message.lstrip("│ "),))
    return view
