"""What a subscriber would see of a value: its projection onto the client's selection,
so a stream can skip a message that would look exactly like the one before."""

from __future__ import annotations

import re
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def shown(info: Info, value: Any) -> Any:
    """`value` as the client's selection of this field shows it (comparable with ==)."""
    selections = info.selected_fields[0].selections if info.selected_fields else []
    return _project(value, selections)


def _project(value: Any, selections: list[Selection]) -> Any:
    if value is None or not selections:
        return value
    if isinstance(value, list):
        return tuple(_project(item, selections) for item in value)
    out: list[Any] = []
    for selection in selections:
        if isinstance(selection, (FragmentSpread, InlineFragment)):
            out.append(_project(value, selection.selections))
        elif isinstance(selection, SelectedField) and selection.name != "__typename":
            attr = getattr(value, _CAMEL.sub("_", selection.name).lower(), None)
            if callable(attr):  # a field with its own resolver: not part of this value's state
                out.append(selection.name)
            else:
                out.append((selection.alias or selection.name, _project(attr, selection.selections)))
    return tuple(out)
