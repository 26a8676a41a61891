"""Typed values in, a target's terraform.tfvars.json out.

The only template language is `{{name}}`, where name is a form field or a builtin:
- a string that is exactly "{{name}}" becomes the value itself, type kept
  (a number stays a number, a list stays a list);
- "{{name}}" inside a longer string becomes the value as text
  (booleans as "true"/"false", lists as JSON).
Only dict values and list items are walked; dict keys are taken literally.
Any other "{{...}}" is a catalog authoring error (ValueError).

Secrets never enter the variables: the strings of `files`, `env`, `command` and
`sidecars` (their `env` and `command`) are
templates over the module's sensitive `secrets` map (every module applies
`templatestring(value, var.secrets)` to them), so a sensitive field's placeholder
becomes `${name}`, literal `${` and `%{` are escaped, and the values themselves reach
the engine through the environment (`secret_values` → `TF_VAR_secrets`). A sensitive
field anywhere else is an authoring error.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from app.catalog.model import BUILTINS, Entry

_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
TEMPLATED = ("files", "env", "command", "sidecars")  # the module renders these over var.secrets


def render(entry: Entry, target: str, values: Mapping[str, Any], builtins: Mapping[str, Any]) -> dict[str, Any]:
    """The variables for `entry` on `target`: its template filled in, plus the builtins
    (`service_id`, `service_name`) as top-level variables."""
    spec = entry.targets.get(target)
    if spec is None:
        raise ValueError(f"catalog entry '{entry.id}' has no target '{target}'")
    missing = [name for name in BUILTINS if name not in builtins]
    if missing:
        raise ValueError(f"render needs the builtins {', '.join(missing)}")
    known = {f.name for f in entry.fields} | set(BUILTINS)
    sensitive = {f.name for f in entry.fields if f.sensitive}
    scope = {**values, **{name: builtins[name] for name in BUILTINS}}

    def lookup(name: str) -> Any:
        if name not in known:
            raise ValueError(
                f"catalog entry '{entry.id}', target '{target}': placeholder {{{{{name}}}}} names no field"
            )
        if name not in scope:
            raise ValueError(f"catalog entry '{entry.id}': no value for field '{name}'")
        return scope[name]

    def walk(node: Any, templated: bool) -> Any:
        if isinstance(node, dict):
            return {key: walk(value, templated) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, templated) for item in node]
        if isinstance(node, str):
            return string(node, templated)
        return node

    def string(node: str, templated: bool) -> Any:
        whole = _PLACEHOLDER.fullmatch(node)
        if whole and whole.group(1) not in sensitive:
            value = copy.deepcopy(lookup(whole.group(1)))
            return _escape(value) if templated and isinstance(value, str) else value
        out, last = [], 0
        for match in _PLACEHOLDER.finditer(node):
            literal = node[last : match.start()]
            out.append(_escape(literal) if templated else literal)
            name = match.group(1)
            value = lookup(name)
            if name in sensitive:
                if not templated:
                    raise ValueError(
                        f"catalog entry '{entry.id}', target '{target}': the sensitive field '{name}' "
                        f"may only be used in {', '.join(TEMPLATED)}"
                    )
                out.append("${" + name + "}")
            else:
                out.append(_escape(_text(value)) if templated else _text(value))
            last = match.end()
        tail = node[last:]
        out.append(_escape(tail) if templated else tail)
        return "".join(out)

    out = {key: walk(value, key in TEMPLATED) for key, value in spec.variables.items()}
    for name in BUILTINS:
        out[name] = builtins[name]
    return out


def secret_values(entry: Entry, values: Mapping[str, Any]) -> dict[str, str]:
    """The sensitive fields' values: what the engine gets as `TF_VAR_secrets`."""
    return {f.name: _text(values.get(f.name)) for f in entry.fields if f.sensitive}


def _escape(text: str) -> str:
    """A literal string inside a template: `${` and `%{` do not start anything."""
    return text.replace("${", "$${").replace("%{", "%%{")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
