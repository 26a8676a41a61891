"""The engine's DOT read into nodes and edges, and the state laid over it (pure)."""

from __future__ import annotations

import json

from app.engine.graph import MAX_NODES, Node, NodeKind, kind_of, parse_dot, state_graph, with_state

# the shape `graph -type=plan` prints: phases on addresses, a root, a provider's close
DOT = r"""digraph {
	compound = "true"
	subgraph "root" {
		"[root] provider[\"registry.example/acme/cloud\"]" [label = "provider[\"registry.example/acme/cloud\"]", shape = "diamond"]
		"[root] cloud_box.web (expand)" [label = "cloud_box.web", shape = "box"]
		"[root] data.cloud_image.base (expand)" [label = "data.cloud_image.base", shape = "box"]
		"[root] module.net.cloud_net.main (expand)" [label = "module.net.cloud_net.main", shape = "box"]
		"[root] var.size" [label = "var.size", shape = "note"]
		"[root] cloud_box.web (expand)" -> "[root] data.cloud_image.base (expand)"
		"[root] cloud_box.web (expand)" -> "[root] module.net.cloud_net.main (expand)"
		"[root] cloud_box.web (expand)" -> "[root] var.size (validation)"
		"[root] cloud_box.web (expand)" -> "[root] provider[\"registry.example/acme/cloud\"]"
		"[root] var.size (validation)" -> "[root] var.size"
		"[root] module.net (close)" -> "[root] module.net.cloud_net.main (expand)"
		"[root] provider[\"registry.example/acme/cloud\"] (close)" -> "[root] cloud_box.web (expand)"
		"[root] output.url (expand)" -> "[root] cloud_box.web (expand)"
		"[root] root" -> "[root] output.url (expand)"
	}
}
"""
PROVIDER = 'provider["registry.example/acme/cloud"]'


def test_phases_are_one_node_root_and_closing_edges_go() -> None:
    graph = parse_dot(DOT)
    kinds = {n.id: n.kind for n in graph.nodes}
    assert kinds == {
        PROVIDER: NodeKind.PROVIDER,
        "cloud_box.web": NodeKind.RESOURCE,
        "data.cloud_image.base": NodeKind.DATA,
        "module.net.cloud_net.main": NodeKind.RESOURCE,
        "var.size": NodeKind.VARIABLE,
        "output.url": NodeKind.OUTPUT,
    }
    assert set(graph.edges) == {
        ("cloud_box.web", "data.cloud_image.base"),
        ("cloud_box.web", "module.net.cloud_net.main"),
        ("cloud_box.web", "var.size"),
        ("cloud_box.web", PROVIDER),
        ("output.url", "cloud_box.web"),
    }
    assert len(graph.edges) == len(set(graph.edges))


def test_the_simple_graph_of_older_engines_reads_too() -> None:
    simple = 'digraph G {\n  rankdir = "RL";\n  "spawnit_process.service" [label="spawnit_process.service"];\n}\n'
    assert parse_dot(simple).nodes == (Node("spawnit_process.service", "spawnit_process.service", NodeKind.RESOURCE),)


def test_kinds_by_address() -> None:
    assert kind_of("module.a.module.b.var.x") is NodeKind.VARIABLE
    assert kind_of("module.a") is NodeKind.MODULE
    assert kind_of("module.a[0].aws_instance.x") is NodeKind.RESOURCE
    assert kind_of("local.x") is NodeKind.LOCAL
    assert kind_of("meta.count-boundary (EachMode fixup)") is NodeKind.OTHER


def test_the_state_counts_instances_and_adds_what_the_configuration_dropped() -> None:
    state = {
        "version": 4,
        "resources": [
            {"mode": "managed", "type": "cloud_box", "name": "web", "instances": [{}, {}]},
            {"mode": "data", "type": "cloud_image", "name": "base", "instances": [{}]},
            {"module": "module.old", "mode": "managed", "type": "cloud_disk", "name": "d", "instances": [{}]},
        ],
    }
    graph = with_state(parse_dot(DOT), json.dumps(state).encode())
    by_id = {n.id: n for n in graph.nodes}
    assert by_id["cloud_box.web"].instances == 2
    assert by_id["data.cloud_image.base"].instances == 1
    assert by_id["module.net.cloud_net.main"].instances == 0
    assert by_id["var.size"].instances is None
    assert by_id["module.old.cloud_disk.d"] == Node(
        "module.old.cloud_disk.d", "module.old.cloud_disk.d", NodeKind.RESOURCE, 1
    )
    assert with_state(parse_dot(DOT), b"not json") == with_state(parse_dot(DOT), None)


def test_a_huge_graph_stops_growing() -> None:
    lines = [f'"[root] a_b.n{i} (expand)" -> "[root] a_b.n{i + 1} (expand)"' for i in range(MAX_NODES * 2)]
    graph = parse_dot("\n".join(lines))
    assert len(graph.nodes) == MAX_NODES
    assert all(a in {n.id for n in graph.nodes} and b in {n.id for n in graph.nodes} for a, b in graph.edges)


def test_a_state_alone_gives_its_resources_and_the_dependencies_recorded() -> None:
    state = {
        "version": 4,
        "resources": [
            {"mode": "managed", "type": "box", "name": "a", "instances": [{"dependencies": ["net.n", "gone.g"]}]},
            {"mode": "managed", "type": "net", "name": "n", "instances": [{}]},
        ],
    }
    graph = state_graph(json.dumps(state).encode())
    assert graph.nodes == (Node("box.a", "box.a", NodeKind.RESOURCE, 1), Node("net.n", "net.n", NodeKind.RESOURCE, 1))
    assert graph.edges == (("box.a", "net.n"),)  # a dependency on what the state no longer holds is no edge
    assert state_graph(None).nodes == () and state_graph(b"[1, 2]").nodes == ()
