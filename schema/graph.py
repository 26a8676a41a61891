"""A service's resource graph, as the engine draws it, with what its state holds."""

from __future__ import annotations

import strawberry

from app.engine.graph import Graph, NodeKind

GraphNodeKind = strawberry.enum(NodeKind, name="GraphNodeKind", description="What a node of the graph is.")


@strawberry.type(description="One address of the configuration (or of the state): a resource, a variable, ...")
class GraphNode:
    id: strawberry.ID = strawberry.field(
        description='The engine\'s address: `spawnit_process.service`, `var.ports`, `provider["…"]`.'
    )
    label: str
    kind: GraphNodeKind  # type: ignore[valid-type]
    instances: int | None = strawberry.field(
        description="Resources and data sources: how many instances the service's state holds now (0: none); "
        "null for other kinds."
    )


@strawberry.type(description="`from` depends on `to`: the engine handles `to` first.")
class GraphEdge:
    from_: strawberry.ID = strawberry.field(name="from")
    to: strawberry.ID


@strawberry.type(
    description="The engine's own graph of the service (`graph -type=plan`) with the resources its state holds. "
    "Empty for a service whose configuration was never laid out (a DRAFT no job ran on: plan it to see it)."
)
class ServiceGraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]

    @classmethod
    def of(cls, graph: Graph) -> ServiceGraph:
        return cls(
            nodes=[
                GraphNode(id=strawberry.ID(n.id), label=n.label, kind=n.kind, instances=n.instances)
                for n in graph.nodes
            ],
            edges=[GraphEdge(from_=strawberry.ID(a), to=strawberry.ID(b)) for a, b in graph.edges],
        )
