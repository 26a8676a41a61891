"""`Service.graph` through a real server and the real engine: a static site deployed on
`local`, its graph drawn by the engine (`graph -type=plan`) with the state's instances,
drawn once per change of the service however often and however many ask, empty for a
DRAFT nothing ran on, the configuration's graph once a plan laid it out."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.api.client import Api
from tests.server import Running
from tests.support import free_port

GRAPH = "query($id: ID!) { service(id: $id) { status graph { nodes { id label kind instances } edges { from to } } } }"
RESOURCE = "spawnit_process.service"
PROVIDER = 'provider["spawnit.local/spawnit/spawnit"]'


async def graph_of(api: Api, service_id: str) -> dict[str, Any]:
    return (await api.run(GRAPH, id=service_id))["service"]


async def succeeded(api: Api, mutation: str, service_id: str) -> None:
    job = await api.mutate_job(mutation, service_id)
    assert (await api.wait_job(job["id"]))["state"] == "SUCCEEDED"


async def test_the_engine_draws_a_deployed_site_once_per_change(spawnit_any_store: Running) -> None:
    spawnit, api = spawnit_any_store, spawnit_any_store.api
    graphs = spawnit.spawnit.graphs
    site = (await api.create("static-site", "graph-me", title="t", port=free_port()))["id"]
    draft = await graph_of(api, site)
    assert draft == {"status": "DRAFT", "graph": {"nodes": [], "edges": []}}
    assert graphs.engine_runs == 0  # nothing laid out yet: no engine started

    await succeeded(api, "applyService", site)
    answers = await asyncio.gather(*(graph_of(api, site) for _ in range(5)))  # a dashboard's burst
    assert graphs.engine_runs == 1
    assert all(a == answers[0] for a in answers)
    graph = answers[0]["graph"]
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes[RESOURCE] == {"id": RESOURCE, "label": RESOURCE, "kind": "RESOURCE", "instances": 1}
    assert nodes[PROVIDER]["kind"] == "PROVIDER" and nodes[PROVIDER]["instances"] is None
    assert nodes["var.ports"]["kind"] == "VARIABLE" and nodes["output.endpoint"]["kind"] == "OUTPUT"
    assert nodes["local.endpoint"]["kind"] == "LOCAL" and "root" not in nodes
    edges = {(e["from"], e["to"]) for e in graph["edges"]}
    assert {(RESOURCE, PROVIDER), ("output.endpoint", RESOURCE), ("output.endpoint", "local.endpoint")} <= edges
    assert all(a in nodes and b in nodes for a, b in edges)
    assert not any(a == PROVIDER for a, _ in edges)  # the provider's close is not a dependency

    for _ in range(3):
        await graph_of(api, site)
    assert graphs.engine_runs == 1  # cached while nothing ran on the service

    await succeeded(api, "destroyService", site)
    after = {n["id"]: n for n in (await graph_of(api, site))["graph"]["nodes"]}
    assert after[RESOURCE]["instances"] == 0
    assert graphs.engine_runs == 2
    jobs = await api.run(
        "query($id: ID!) { service(id: $id) { jobs(first: 1) { totalCount edges { cursor } } } }", id=site
    )
    assert jobs["service"]["jobs"]["totalCount"] == 2 and len(jobs["service"]["jobs"]["edges"]) == 1


async def test_a_planned_draft_shows_the_configuration(api: Api, spawnit: Running) -> None:
    site = (await api.create("static-site", "planned", title="t", port=free_port()))["id"]
    await succeeded(api, "planService", site)
    answer = await graph_of(api, site)
    assert answer["status"] == "DRAFT"
    nodes = {n["id"]: n for n in answer["graph"]["nodes"]}
    assert nodes[RESOURCE]["instances"] == 0 and PROVIDER in nodes
    assert spawnit.spawnit.graphs.engine_runs == 1
