"""The arrows between the project's modules, read from their imports (ast, no tool).

- no circle among the modules of `app/`, `schema/`, `resolvers/` (packages' `__init__` count);
- a `schema/` module imports `resolvers/` only in the root assembly (`schema/root.py`);
- the domain (`app/` but its composition root, its CLI and its HTTP edge) imports neither
  `schema`, `resolvers` nor strawberry.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "schema", "resolvers")
EDGE = ("app.main", "app.cli", "app.web", "app.http")  # may know the API layers
ASSEMBLY = "schema.root"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports (at any depth of its body, type-checking ones too)."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    # explicit imports only: `import a.b` names the package `a.b`, whose `__init__` counts
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def test_no_circle() -> None:
    assert cycles(graph()) == []


def test_schema_types_never_import_resolvers() -> None:
    bad = {
        (name, dep)
        for name, deps in graph().items()
        if name.startswith("schema") and name != ASSEMBLY
        for dep in deps
        if dep.startswith("resolvers")
    }
    assert bad == set()


def test_the_domain_knows_nothing_of_graphql() -> None:
    mods = modules()
    bad = set()
    for name, path in mods.items():
        if not name.startswith("app") or name.startswith(EDGE):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for imported in names:
                if imported.split(".")[0] in ("schema", "resolvers", "strawberry", "graphql"):
                    bad.add((name, imported))
    assert bad == set()


def test_the_checks_see_a_circle_and_a_wrong_arrow() -> None:
    """The detector itself: a circle of three and a self-contained one are told apart."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
