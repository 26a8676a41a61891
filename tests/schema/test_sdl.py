"""The checked-in SDL is the schema the code builds: integrators read the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from schema.root import build_schema

SDL = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def test_checked_in_sdl_is_current() -> None:
    assert SDL.read_text() == build_schema().as_str() + "\n", "run: spawnit schema --output schema/schema.graphql"


def test_the_export_command_prints_the_sdl() -> None:
    out = subprocess.run([sys.executable, "-m", "app.cli", "schema"], capture_output=True, text=True, check=True)
    assert out.stdout == SDL.read_text()


def test_public_names_integrators_code_against() -> None:
    sdl = SDL.read_text()
    for name in (
        "me: Me!",
        "catalog: [CatalogEntry!]!",
        "catalogEntry(id: ID!)",
        "catalogCategories: [CatalogCategory!]!",
        "category: CatalogCategory!",
        "iconUrl: String!",
        "entries: [CatalogEntry!]!",
        "outputs: [CatalogOutput!]!",
        "connection: [ConnectionDetail!]!",
        "services(first: Int! = 20, after: String = null",  # optional arguments may follow (filter)
        "service(id: ID!)",
        "job(id: ID!)",
        "createService(input: CreateServiceInput!)",
        "updateService(id: ID!, input: UpdateServiceInput!)",
        "deleteService(id: ID!, destroy: Boolean! = false)",
        "deletion: Job",
        "setTargetCredentials(target: String!, accessKeyId: String!, secretAccessKey: String!, region: String = null)",
        "clearTargetCredentials(target: String!): TargetCredentialsStatus!",
        "targetCredentials(target: String!): TargetCredentialsStatus!",
        "planService(id: ID!)",
        "applyService(id: ID!, planJobId: ID = null)",
        "destroyService(id: ID!)",
        "cancelJob(id: ID!, force: Boolean! = false)",
        "jobLogs(jobId: ID!, fromLine: Int! = 0)",
        "jobUpdates(jobId: ID!)",
        "worker: String",
    ):
        assert name in sdl, name


def test_full_introspection_works() -> None:
    """What GraphiQL asks for first, default values included."""
    from graphql import get_introspection_query

    result = build_schema().execute_sync(get_introspection_query(descriptions=True))
    assert result.errors is None
    assert result.data["__schema"]["queryType"]["name"] == "Query"


def test_names_the_console_codes_against() -> None:
    """The listing, counts and graph the console's dashboard and service page read."""
    sdl = SDL.read_text()
    for name in (
        "services(first: Int! = 20, after: String = null, filter: ServiceFilter = null): ServiceConnection!",
        "allServices(first: Int! = 20, after: String = null, filter: ServiceFilter = null): ServiceConnection!",
        "serviceCounts(filter: ServiceFilter = null): ServiceCounts!",
        "status: [ServiceStatus!] = null",
        "catalogEntryId: ID = null",
        "search: String = null",
        "totalCount: Int!",
        "byStatus: [StatusCount!]!",
        "inProgress: Int!",
        "graph: ServiceGraph!",
        "nodes: [GraphNode!]!",
        "edges: [GraphEdge!]!",
        "from: ID!",
        "kind: GraphNodeKind!",
        "instances: Int",
    ):
        assert name in sdl, name
