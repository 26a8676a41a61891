"""What a module's resources are wired to, read from the engine's loader (see tfconfig):
a block of a resource, and whether an expression reaches a variable (through locals)."""

from __future__ import annotations

from typing import Any

from tests.modules.tfconfig import Module, _traversals


def block(config: dict[str, Any], *path: str, nth: int = 0) -> dict[str, Any]:
    """The body of the nested block `path` of a resource's config (a `dynamic "x"` block
    counts as a block x: its content). `nth`: which of the first level's blocks of that type."""
    body = config
    for depth, kind in enumerate(path):
        found = []
        for item in body.get("Blocks") or []:
            if item.get("Type") == kind:
                found.append(item["Body"])
            elif item.get("Type") == "dynamic" and (item.get("Labels") or [None])[0] == kind:
                content = next(b for b in item["Body"]["Blocks"] if b["Type"] == "content")
                found.append(content["Body"])
        if not found:
            raise AssertionError(f"no block {kind} in {list(path[:depth]) or 'the resource'}")
        body = found[nth if depth == 0 else 0]
    return body


def attribute(body: dict[str, Any], name: str) -> Any:
    attributes = body.get("Attributes") or {}
    if name not in attributes:
        raise AssertionError(f"no attribute {name} (has {sorted(attributes)})")
    return attributes[name]["Expr"]


def references(node: Any) -> set[str]:
    """`var.x`, `local.y`, `type.name` (resources), `data.type.name` named by `node`."""
    found = set()
    for names, _ in _traversals(node):
        size = 3 if names[0] == "data" else 2
        found.add(".".join(n for n in names[:size] if n))
    return found


def reaches(module: Module, node: Any, wanted: str) -> bool:
    """Whether the expression `node` depends on `wanted` (e.g. `var.tenant_id`),
    following locals and the attributes of the module's own resources."""
    seen: set[str] = set()
    todo = set(references(node))
    while todo:
        ref = todo.pop()
        if ref == wanted:
            return True
        if ref in seen:
            continue
        seen.add(ref)
        if ref.startswith("local.") and ref[6:] in module.locals:
            todo |= references(module.locals[ref[6:]]["Expr"])
        elif ref in module.managed:
            todo |= references(module.managed[ref]["Config"])
    return False
