"""Form values in, complete typed values out, or every problem at once.

Pure functions over an `Entry`. A value given as None counts as not given.
"""

from __future__ import annotations

import copy
import math
import re
import secrets
import string
from collections.abc import Mapping
from typing import Any

from app.catalog.model import Entry, Field, FieldType, Host
from app.errors import BadInput

MASK = "********"

Problem = tuple[str, str]  # (field name, what is wrong with it)


class InvalidValues(BadInput):
    """A BadInput listing every problem; `field` is the first one's field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{f}: {p}" for f, p in problems), field=problems[0][0])
        self.problems = problems


def validate_create(entry: Entry, target: str, variables: Mapping[str, Any], host: Host) -> dict[str, Any]:
    """The complete typed values for a new service of `entry` on `target`."""
    problems: list[Problem] = []
    if not isinstance(target, str) or target not in entry.targets:
        problems.append(("target", entry.unavailable_reason(str(target)[:64], host) or "is not a target of this entry"))
    elif reason := entry.unavailable_reason(target, host):
        problems.append(("target", f"'{target}' is {reason}"))
    values = _check_all(entry, variables, {}, problems)
    _raise_if(problems)
    return values


def validate_update(entry: Entry, current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`current` with `changes` applied, revalidated as a whole.

    A field left out of `changes` (or given as None) keeps its current value; so does a
    sensitive field sent back as the mask, as a form that showed masked values will.
    Current values of fields the template no longer has are dropped.
    """
    problems: list[Problem] = []
    kept = {f.name: current[f.name] for f in entry.fields if current.get(f.name) is not None}
    if isinstance(changes, Mapping):
        changes = {
            name: value
            for name, value in changes.items()
            if not ((f := entry.field(name)) and f.sensitive and value == MASK)
        }
    values = _check_all(entry, changes, kept, problems)
    _raise_if(problems)
    return values


def mask(entry: Entry, values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `values` fit to show: every sensitive value replaced by MASK."""
    out = dict(values)
    for f in entry.fields:
        if f.sensitive and f.name in out:
            out[f.name] = MASK
    return out


_ALPHABET = string.ascii_letters + string.digits


def generate_secret(f: Field) -> str:
    """A strong random value for a `generate` field: letters and digits, 32 of them
    (or the field's max length if smaller)."""
    length = 32 if f.max is None else max(1, min(32, int(f.max)))
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def check_value(f: Field, value: Any) -> tuple[Any, str | None]:
    """(typed value, None) when `value` fits `f`, else (None, the problem)."""
    typed, problem = _CHECKERS[f.type](f, value)
    return (None, problem) if problem else (typed, None)


# --- internals ---


def _check_all(entry: Entry, given: Any, base: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        problems.append(("variables", "must be an object of field names to values"))
        given = {}
    for name in given:
        if entry.field(name) is None:
            problems.append((str(name)[:64], f"unknown variable for '{entry.id}'"))
    values: dict[str, Any] = {}
    for f in entry.fields:
        value = given.get(f.name)
        if value is None:
            value = base.get(f.name)
        if f.generate and value in (None, ""):
            value = generate_secret(f)
        if value is None:
            if f.required:
                problems.append((f.name, "required"))
            else:
                values[f.name] = copy.deepcopy(f.default)
            continue
        typed, problem = check_value(f, value)
        if problem:
            problems.append((f.name, problem))
        else:
            values[f.name] = typed
    return values


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise InvalidValues(problems)


def _bounds(f: Field, size: float, unit: str = "") -> str | None:
    """Bounds on a value (no unit) or on a length counted in `unit`s."""

    def amount(n: int | float) -> str:
        return f"{n} {unit}{'' if n == 1 else 's'}" if unit else f"{n}"

    if f.min is not None and size < f.min:
        return f"must {'have' if unit else 'be'} at least {amount(f.min)}"
    if f.max is not None and size > f.max:
        return f"must {'have' if unit else 'be'} at most {amount(f.max)}"
    return None


def _string(f: Field, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, "must be a string"
    problem = _bounds(f, len(value), "character")
    if problem is None and f.pattern is not None and not re.fullmatch(f.pattern, value):
        problem = f"must match the pattern {f.pattern}"
    return value, problem


def _number(f: Field, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, "must be a number"
    if not math.isfinite(value):
        return None, "must be a finite number"
    return value, _bounds(f, value)


def _integer(f: Field, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "must be a whole number"
    return value, _bounds(f, value)


def _boolean(f: Field, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, bool):
        return None, "must be true or false"
    return value, None


def _enum(f: Field, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or value not in f.options:
        return None, f"must be one of: {', '.join(f.options)}"
    return value, None


def _list_of_strings(f: Field, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, (list, tuple)):
        return None, "must be a list of strings"
    for i, item in enumerate(value, start=1):
        if not isinstance(item, str):
            return None, f"item {i} must be a string"
    return list(value), _bounds(f, len(value), "item")


_CHECKERS = {
    FieldType.STRING: _string,
    FieldType.NUMBER: _number,
    FieldType.INTEGER: _integer,
    FieldType.BOOLEAN: _boolean,
    FieldType.ENUM: _enum,
    FieldType.LIST_OF_STRINGS: _list_of_strings,
}
