"""What the catalog is made of: entries, their form fields and their targets.

Plain frozen dataclasses; parsing lives in `loader.py`, checking values in
`validate.py`, producing variables in `render.py`.
"""

from __future__ import annotations

import enum
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.errors import NotFound

# variables every service has, set by SpawnIt (never by the form); usable as placeholders
BUILTINS = ("service_id", "service_name")


class FieldType(enum.Enum):
    """A form field's type; the value is its spelling in template files."""

    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    ENUM = "enum"
    LIST_OF_STRINGS = "list(string)"


@dataclass(frozen=True)
class Field:
    """One form field.

    `min` / `max` bound the value for NUMBER and INTEGER, the length for STRING and
    the item count for LIST_OF_STRINGS. A field is either `required` or has a
    `default` (the loader enforces it), so validated values are always complete.
    """

    name: str
    type: FieldType
    description: str = ""
    required: bool = False
    default: Any = None
    min: int | float | None = None
    max: int | float | None = None
    options: tuple[str, ...] = ()
    sensitive: bool = False
    pattern: str | None = None
    generate: bool = False  # a sensitive string left empty gets a strong random value, once


class Host(Protocol):
    """What this host can run now (see `app.catalog.readiness.TargetReadiness`)."""

    def problem(self, target: str) -> str | None: ...

    def installed(self, executable: str) -> bool: ...


class EveryTarget:
    """A host on which every target answers: only executables are checked (tests, tools)."""

    def problem(self, target: str) -> str | None:
        return None

    def installed(self, executable: str) -> bool:
        return shutil.which(executable) is not None


@dataclass(frozen=True)
class TargetSpec:
    """How an entry runs on one target: the module variables, with `{{field}}`
    placeholders, and the executables this host needs on PATH for it."""

    name: str
    variables: Mapping[str, Any]
    requires: tuple[str, ...] = ()
    has_module: bool = True  # SpawnIt ships a module for this target

    def missing(self, host: Host) -> list[str]:
        """The required executables not found on PATH on this host."""
        return [exe for exe in self.requires if not host.installed(exe)]


@dataclass(frozen=True)
class Category:
    """A shelf of the catalog (Game Servers, Databases, ...); `id` is a slug."""

    id: str
    name: str
    description: str = ""


# where an entry that names no category goes
OTHER = Category("other", "Other", "Services that fit no other category.")


@dataclass(frozen=True)
class Icon:
    """An entry's icon: an SVG document checked by the loader (`app.catalog.icons`)."""

    svg: bytes
    version: str  # a digest of the bytes: changes when the picture does (cache busting)


@dataclass(frozen=True)
class Output:
    """A connection detail shown once the service runs: `value` is a template over the
    fields and the module's outputs (`{{endpoint}}`, `{{host}}`, `{{port}}`); a sensitive
    field in it shows masked."""

    name: str
    description: str
    value: str


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    description: str
    fields: tuple[Field, ...]
    targets: Mapping[str, TargetSpec]
    job_timeout_seconds: float | None = None  # overrides SPAWNIT_JOB_TIMEOUT_SECONDS for its jobs
    category: Category = OTHER
    icon: Icon | None = None  # None: the generic icon
    outputs: tuple[Output, ...] = ()
    # target -> why this entry does not run there (e.g. local: "no Debian package"), for people
    unsupported: Mapping[str, str] = field(default_factory=dict)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def available_targets(self, host: Host) -> list[str]:
        """Targets that can run this entry on this host now, in template order."""
        return [name for name in self.targets if self.unavailable_reason(name, host) is None]

    def unavailable_reason(self, target: str, host: Host) -> str | None:
        """None when `target` can be used on this host, else why not (for people)."""
        spec = self.targets.get(target)
        if spec is None and target in self.unsupported:
            return f"not available on '{target}': {self.unsupported[target]}"
        if spec is None:
            return f"'{self.id}' has no target '{target}' (targets: {', '.join(self.targets)})"
        if not spec.has_module:
            return f"not available: this SpawnIt has no module for target '{target}'"
        problem = host.problem(target)
        if problem:
            return f"not available on this host: {problem}"
        missing = spec.missing(host)
        if missing:
            return f"not available on this host: needs {', '.join(missing)} on PATH"
        return None


@dataclass(frozen=True)
class Catalog:
    entries: Mapping[str, Entry] = field(default_factory=dict)
    categories: Mapping[str, Category] = field(default_factory=dict)  # in catalog order, each used

    def in_category(self, category_id: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.category.id == category_id]

    def get(self, entry_id: str) -> Entry:
        entry = self.entries.get(entry_id) if isinstance(entry_id, str) else None
        if entry is None:
            raise NotFound(f"no catalog entry {str(entry_id)[:64]!r}", field="entry")
        return entry

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)
