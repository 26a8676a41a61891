"""An entry's connection details: what a person needs to reach a running service.

A template's `outputs` list names them, each `{"name", "description", "value"}`, where
`value` is a text with `{{placeholders}}` over the form's fields, the builtins and what
the target's module reported: `{{endpoint}}` (host:port or scheme://host:port/),
`{{host}}` and `{{port}}` (the first port). A sensitive field shows as the mask, so a
connection string reads `postgresql://app:********@host:port/app`: the password itself
is only ever given by revealSecret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from app.catalog.model import BUILTINS, Entry, Field, Output
from app.catalog.validate import MASK

FROM_MODULE = ("endpoint", "host", "port")
_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_KEYS = {"name", "description", "value"}


def parse_outputs(items: Any, fields: tuple[Field, ...], where: str) -> tuple[Output, ...]:
    """A template's `outputs`, checked: names unique, every placeholder known."""
    if not isinstance(items, list):
        raise ValueError(f"{where}: must be a list")
    known = {f.name for f in fields} | set(BUILTINS) | set(FROM_MODULE)
    found: list[Output] = []
    for i, item in enumerate(items):
        at = f"{where}[{i}]"
        if not isinstance(item, dict) or set(item) - _KEYS:
            raise ValueError(f"{at}: must be an object with keys {', '.join(sorted(_KEYS))}")
        name, description, value = (item.get(k) for k in ("name", "description", "value"))
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{at}: name must match {_NAME.pattern}")
        if any(o.name == name for o in found):
            raise ValueError(f"{at}: duplicate name {name}")
        if not isinstance(description, str) or not description or not isinstance(value, str) or not value:
            raise ValueError(f"{at} '{name}': description and value must be non-empty strings")
        unknown = sorted(set(_PLACEHOLDER.findall(value)) - known)
        if unknown:
            raise ValueError(f"{at} '{name}': placeholders name no field or module output: {', '.join(unknown)}")
        found.append(Output(name, description, value))
    return tuple(found)


def connection_details(
    entry: Entry, values: Mapping[str, Any], builtins: Mapping[str, Any], module: Mapping[str, Any]
) -> list[tuple[Output, str]]:
    """Each output of `entry` with its value for a service whose fields are `values` and
    whose module reported `module` (output name -> value). Empty until it has an endpoint."""
    endpoint = module.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        return []
    host, port = _host_port(endpoint)
    scope: dict[str, Any] = {**values, **{k: builtins.get(k) for k in BUILTINS}}
    scope.update(endpoint=endpoint, host=host, port=port)
    sensitive = {f.name for f in entry.fields if f.sensitive}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in sensitive:
            return MASK
        value = scope.get(name)
        return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    return [(o, _PLACEHOLDER.sub(fill, o.value)) for o in entry.outputs]


def _host_port(endpoint: str) -> tuple[str, str]:
    """host and port of `host:port` or `scheme://host:port/`."""
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        return parts.hostname or "", str(parts.port or "")
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), port
