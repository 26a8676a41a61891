"""The engine's own graph of a configuration (`graph -type=plan`, DOT), read into nodes
and edges, and the resources its state holds laid over it. Pure functions.

The engine's DOT names nodes `[root] <address> (<phase>)` (`expand`, `close`,
`validation`, ...). A node here is one address: the phases of an address are one node,
the synthetic `root` goes, and the edges of a `(close)` phase (a provider closed after
the resources it served) go too, as they point the other way. An edge `from -> to`
means `from` depends on `to`: the engine handles `to` first.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass

MAX_NODES = 2000  # a graph stops growing here (no configuration SpawnIt ships comes near)
MAX_EDGES = 8000

_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_EDGE = re.compile(rf"^\s*{_QUOTED}\s*->\s*{_QUOTED}")
_NODE = re.compile(rf"^\s*{_QUOTED}\s*\[(.*)\]\s*;?\s*$")
_LABEL = re.compile(rf"label\s*=\s*{_QUOTED}")
_PHASE = re.compile(r" \([a-z][^()]*\)$")  # (expand), (close), (validation), (prepare state)...
_MODULE_STEP = re.compile(r"^module\.[A-Za-z0-9_-]+(\[[^\]]*\])?\.")


class NodeKind(str, enum.Enum):
    RESOURCE = "RESOURCE"
    DATA = "DATA"
    PROVIDER = "PROVIDER"
    MODULE = "MODULE"
    VARIABLE = "VARIABLE"
    LOCAL = "LOCAL"
    OUTPUT = "OUTPUT"
    OTHER = "OTHER"


@dataclass(frozen=True)
class Node:
    id: str  # the engine's address: spawnit_process.service, var.ports, provider["..."]
    label: str
    kind: NodeKind
    instances: int | None = None  # resources and data: the instances the state holds


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()  # (from, to): `from` depends on `to`


EMPTY = Graph()


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _address(raw: str) -> tuple[str, bool]:
    """The address a DOT node stands for, and whether it is a `(close)` phase."""
    name = _unquote(raw).removeprefix("[root] ")
    closing = name.endswith(" (close)")
    while match := _PHASE.search(name):
        name = name[: match.start()]
    return name, closing


def kind_of(address: str) -> NodeKind:
    inner = address
    while _MODULE_STEP.match(inner):
        inner = _MODULE_STEP.sub("", inner, count=1)
    prefixes = {
        "provider[": NodeKind.PROVIDER,
        "var.": NodeKind.VARIABLE,
        "local.": NodeKind.LOCAL,
        "output.": NodeKind.OUTPUT,
        "data.": NodeKind.DATA,
        "module.": NodeKind.MODULE,
    }
    for prefix, kind in prefixes.items():
        if inner.startswith(prefix):
            return kind
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*(\[[^\]]*\])?", inner):
        return NodeKind.RESOURCE
    return NodeKind.OTHER


def parse_dot(text: str) -> Graph:
    """The nodes and edges of the engine's DOT output (lines it cannot read are skipped)."""
    labels: dict[str, str] = {}
    edges: dict[tuple[str, str], None] = {}

    def add(address: str, label: str | None = None) -> bool:
        if address == "root" or not address:
            return False
        if address not in labels:
            if len(labels) >= MAX_NODES:
                return False
            labels[address] = label or address
        return True

    for line in text.splitlines():
        if edge := _EDGE.match(line):
            (src, closing), (dst, _) = _address(edge.group(1)), _address(edge.group(2))
            if closing or src == dst or len(edges) >= MAX_EDGES:
                continue
            if add(src) and add(dst):
                edges[(src, dst)] = None
        elif node := _NODE.match(line):
            address, _ = _address(node.group(1))
            label = _LABEL.search(node.group(2))
            add(address, _address(label.group(1))[0] if label else None)
    nodes = tuple(Node(a, label, kind_of(a)) for a, label in labels.items())
    return Graph(nodes, tuple(edges))


@dataclass(frozen=True)
class Held:
    """A resource an engine state holds."""

    kind: NodeKind
    instances: int
    depends_on: tuple[str, ...]  # the addresses its instances were recorded depending on


def state_resources(state: bytes | None) -> dict[str, Held]:
    """The resources an engine state (format 4) holds, by address."""
    if not state:
        return {}
    try:
        data = json.loads(state)
    except ValueError:
        return {}
    found: dict[str, Held] = {}
    for resource in data.get("resources") or () if isinstance(data, dict) else ():
        if not isinstance(resource, dict) or not resource.get("type") or not resource.get("name"):
            continue
        data_source = resource.get("mode") == "data"
        module = f"{resource['module']}." if resource.get("module") else ""
        address = f"{module}{'data.' if data_source else ''}{resource['type']}.{resource['name']}"
        instances = [i for i in resource.get("instances") or () if isinstance(i, dict)]
        depends = {str(d) for i in instances for d in i.get("dependencies") or () if isinstance(d, str)}
        found[address] = Held(
            NodeKind.DATA if data_source else NodeKind.RESOURCE, len(instances), tuple(sorted(depends))
        )
    return found


def with_state(graph: Graph, state: bytes | None) -> Graph:
    """`graph` with, on each resource and data node, the instances `state` holds (0 if
    none); a resource the state holds that the configuration no longer has is a node too."""
    held = state_resources(state)
    nodes = [
        Node(n.id, n.label, n.kind, held[n.id].instances if n.id in held else 0) if n.kind in _COUNTED else n
        for n in graph.nodes
    ]
    known = {n.id for n in nodes}
    for address, h in held.items():
        if address not in known and len(nodes) < MAX_NODES:
            nodes.append(Node(address, address, h.kind, h.instances))
    return Graph(tuple(nodes), graph.edges)


def state_graph(state: bytes | None) -> Graph:
    """The graph of a state alone (where the engine cannot draw the configuration): its
    resources, and an edge for each dependency the engine recorded between them."""
    held = state_resources(state)
    nodes = [Node(a, a, h.kind, h.instances) for a, h in list(held.items())[:MAX_NODES]]
    known = {n.id for n in nodes}
    edges = [(a, d) for a, h in held.items() for d in h.depends_on if a in known and d in known and a != d]
    return Graph(tuple(nodes), tuple(edges[:MAX_EDGES]))


_COUNTED = (NodeKind.RESOURCE, NodeKind.DATA)
