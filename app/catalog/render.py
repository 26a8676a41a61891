"""Typed values in, a target's terraform.tfvars.json out.

The only template language is `{{name}}`, where name is a form field or a builtin:
- a string that is exactly "{{name}}" becomes the value itself, type kept
  (a number stays a number, a list stays a list);
- "{{name}}" inside a longer string becomes the value as text
  (booleans as "true"/"false", lists as JSON).
Only dict values and list items are walked; dict keys are taken literally.
Any other "{{...}}" is a catalog authoring error (ValueError).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Mapping

from app.catalog.model import BUILTINS, Entry

_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")


def render(
    entry: Entry, target: str, values: Mapping[str, Any], builtins: Mapping[str, Any]
) -> dict[str, Any]:
    """The variables for `entry` on `target`: its template filled in, plus the builtins
    (`service_id`, `service_name`) as top-level variables."""
    spec = entry.targets.get(target)
    if spec is None:
        raise ValueError(f"catalog entry '{entry.id}' has no target '{target}'")
    missing = [name for name in BUILTINS if name not in builtins]
    if missing:
        raise ValueError(f"render needs the builtins {', '.join(missing)}")
    known = {f.name for f in entry.fields} | set(BUILTINS)
    scope = {**values, **{name: builtins[name] for name in BUILTINS}}

    def lookup(name: str) -> Any:
        if name not in known:
            raise ValueError(
                f"catalog entry '{entry.id}', target '{target}': "
                f"placeholder {{{{{name}}}}} names no field"
            )
        if name not in scope:
            raise ValueError(f"catalog entry '{entry.id}': no value for field '{name}'")
        return scope[name]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, str):
            whole = _PLACEHOLDER.fullmatch(node)
            if whole:
                return copy.deepcopy(lookup(whole.group(1)))
            return _PLACEHOLDER.sub(lambda m: _text(lookup(m.group(1))), node)
        return node

    out = walk(dict(spec.variables))
    for name in BUILTINS:
        out[name] = builtins[name]
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
