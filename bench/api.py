"""5. API: requests per second and latency of `catalog` and `services(first: 50)` with
1,000 services stored, against a ceiling: a minimal Strawberry app (no extensions, no
domain code) whose fields return a static copy of SpawnIt's own answers, served by uvicorn
the same way (both in this process). The load generator (bench/loadgen.py) is a separate
process; SpawnIt and the ceiling alternate."""

from __future__ import annotations

import array
import asyncio
import datetime
import multiprocessing
import time
from pathlib import Path

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.scalars import JSON

from bench import loadgen
from bench.client import CATALOG_QUERY, SERVICES_QUERY, Api, populate
from bench.report import Report, Section, ms, ratio, table
from bench.serving import bench_settings, serving
from bench.stats import Stats
from tests.support import serving_app

CONCURRENCY = 4

# -- the ceiling: SpawnIt's own answers, as static objects ----------------------------------


@strawberry.type
class Field:
    name: str
    type: str
    required: bool
    default: JSON | None
    min: float | None
    max: float | None
    description: str
    sensitive: bool


@strawberry.type
class Entry:
    id: strawberry.ID
    name: str
    description: str = ""
    targets: list[str] = strawberry.field(default_factory=list)
    available_targets: list[str] = strawberry.field(default_factory=list)
    fields: list[Field] = strawberry.field(default_factory=list)


@strawberry.type
class Verdict:
    status: str
    checked_at: datetime.datetime | None = None


@strawberry.type
class Node:
    id: strawberry.ID
    name: str
    status: str
    target: str
    applied: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    catalog_entry: Entry
    drift: Verdict
    health: Verdict


@strawberry.type
class Edge:
    cursor: str
    node: Node


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Connection:
    edges: list[Edge]
    page_info: PageInfo


def _when(text: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def ceiling_app(catalog: list[dict], services: dict) -> Starlette:
    """One field per query, each returning a static copy of SpawnIt's own answer (same
    entries, fields, texts and services), served without any domain code."""
    entries = _entries(catalog)
    connection = _connection(services)

    @strawberry.type
    class Query:
        @strawberry.field
        def catalog(self) -> list[Entry]:
            return entries

        @strawberry.field
        def services(self, first: int = 20) -> Connection:
            return connection

    graphql = GraphQL(strawberry.Schema(query=Query))
    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])


def _entries(catalog: list[dict]) -> list[Entry]:
    """SpawnIt's `catalog` answer as the ceiling's types."""
    return [
        Entry(
            id=e["id"],
            name=e["name"],
            description=e["description"],
            targets=e["targets"],
            available_targets=e["availableTargets"],
            fields=[
                Field(
                    **{
                        "name": f["name"],
                        "type": f["type"],
                        "required": f["required"],
                        "default": f["default"],
                        "min": f["min"],
                        "max": f["max"],
                        "description": f["description"],
                        "sensitive": f["sensitive"],
                    }
                )
                for f in e["fields"]
            ],
        )
        for e in catalog
    ]


def _connection(services: dict) -> Connection:
    """SpawnIt's `services` answer as the ceiling's types."""
    edges = []
    for edge in services["edges"]:
        n = edge["node"]
        edges.append(
            Edge(
                cursor=edge["cursor"],
                node=Node(
                    id=n["id"],
                    name=n["name"],
                    status=n["status"],
                    target=n["target"],
                    applied=n["applied"],
                    created_at=_when(n["createdAt"]),
                    updated_at=_when(n["updatedAt"]),
                    catalog_entry=Entry(id=n["catalogEntry"]["id"], name=n["catalogEntry"]["name"]),
                    drift=Verdict(status=n["drift"]["status"], checked_at=_when(n["drift"]["checkedAt"])),
                    health=Verdict(status=n["health"]["status"]),
                ),
            )
        )
    page = services["pageInfo"]
    return Connection(edges=edges, page_info=PageInfo(has_next_page=page["hasNextPage"], end_cursor=page["endCursor"]))


async def measure(url: str, query: str, seconds: float) -> tuple[float, list[float], int]:
    """(requests per second, latencies in ms, errors) of one load run in its own process."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=loadgen.load, args=(url, query, CONCURRENCY, seconds, child), daemon=True)
    proc.start()
    count, errors, raw, took = await asyncio.to_thread(parent.recv)
    await asyncio.to_thread(proc.join)
    latencies = array.array("d")
    latencies.frombytes(raw)
    return count / took, list(latencies), errors


async def compare(a_url: str, b_url: str, query: str, rounds: int, seconds: float) -> list[str]:
    """A, B, A, B, ...: one table row. The ratio is the median of the rounds' own ratios
    (each round's A and B back to back: what the machine does meanwhile moves both)."""
    rates: dict[str, list[float]] = {"a": [], "b": []}
    lats: dict[str, list[float]] = {"a": [], "b": []}
    errors = 0
    for _ in range(rounds):
        for side, url in (("a", a_url), ("b", b_url)):
            rps, lat, failed = await measure(url + "/graphql", query, seconds)
            rates[side].append(rps)
            lats[side] += lat
            errors += failed
    sa, sb = Stats.of(lats["a"]), Stats.of(lats["b"])
    rate_a, rate_b = Stats.of(rates["a"]).median, Stats.of(rates["b"]).median
    paired = Stats.of([ratio(a, b) for a, b in zip(rates["a"], rates["b"], strict=True)])
    return [
        f"{rate_a:,.0f}",
        f"{rate_b:,.0f}",
        f"{paired.median:.2f}",
        f"{paired.min:.2f}–{paired.max:.2f}",
        ms(sa.median),
        ms(sa.p99),
        ms(sb.median),
        ms(sb.p99),
        sa.range(ms),
        f"{sa.n:,} / {sb.n:,}",
        str(errors),
    ]


async def run(report: Report, quick: bool, tmp: Path) -> None:
    stored, rounds, seconds = (200, 1, 1.0) if quick else (1000, 6, 4.0)
    settings = bench_settings(tmp / "data")
    rows = []
    async with serving(settings) as srv, Api(srv.url) as api:
        t0 = time.perf_counter()
        await populate(api, stored)
        created = time.perf_counter() - t0
        same = ceiling_app((await api.run(CATALOG_QUERY))["catalog"], (await api.run(SERVICES_QUERY))["services"])
        async with serving_app(same) as ceiling:
            for name, query in (("catalog", CATALOG_QUERY), ("services(first: 50)", SERVICES_QUERY)):
                rows.append([name, *await compare(srv.url, ceiling, query, rounds, seconds)])
    body = table(
        (
            "query",
            "SpawnIt req/s",
            "ceiling req/s",
            "ratio to ceiling",
            "rounds' ratios",
            "SpawnIt p50",
            "SpawnIt p99",
            "ceiling p50",
            "ceiling p99",
            "SpawnIt min–max",
            "requests (SpawnIt / ceiling)",
            "errors",
        ),
        rows,
    )
    body += (
        f"\n\n{stored:,} services stored (created through `createService` in {created:.1f} s, "
        f"{created / stored * 1000:.1f} ms each). The ceiling answers the same data (a static copy of "
        f"SpawnIt's answers). {CONCURRENCY} keep-alive connections, {rounds} × {seconds:g} s per side, "
        "alternating; req/s is the median of the rounds, the ratio the median of each round's own ratio "
        "(SpawnIt's, then the ceiling's, back to back), latencies pooled."
    )
    report.add(Section("5. API throughput vs a minimal Strawberry app", body))
