"""5. API: requests per second and latency of `catalog` and `services(first: 50)` with
1,000 services stored, against a ceiling: a minimal Strawberry app whose fields return
static lists of the same size and shape, served by uvicorn the same way (both in this
process). The load generator (bench/loadgen.py) is a separate process; SpawnIt and the
ceiling alternate."""

from __future__ import annotations

import array
import asyncio
import datetime
import multiprocessing
import time
from enum import Enum
from pathlib import Path
from typing import Optional

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.scalars import JSON

from bench import loadgen
from bench.harness import (CATALOG_QUERY, SERVICES_QUERY, Api, Report, Section, Stats, bench_settings, ms,
                           populate, ratio, serving, serving_asgi, table)

CONCURRENCY = 4

# -- the ceiling: the same shapes, static values ----------------------------------------


@strawberry.enum
class Status(Enum):
    DRAFT = "DRAFT"


@strawberry.type
class Field:
    name: str
    type: str
    required: bool
    default: Optional[JSON]
    min: Optional[float]
    max: Optional[float]
    description: str
    sensitive: bool


@strawberry.type
class Entry:
    id: strawberry.ID
    name: str
    description: str
    targets: list[str]
    available_targets: list[str]
    fields: list[Field]


@strawberry.type
class Verdict:
    status: str
    checked_at: Optional[datetime.datetime] = None


@strawberry.type
class Node:
    id: strawberry.ID
    name: str
    status: Status
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
    end_cursor: Optional[str]


@strawberry.type
class Connection:
    edges: list[Edge]
    page_info: PageInfo


def ceiling_app() -> Starlette:
    fields = [Field(name=f"f{i}", type="STRING", required=True, default="x", min=1, max=200,
                    description="A field of the form.", sensitive=False) for i in range(3)]
    entries = [Entry(id=strawberry.ID(f"e{i}"), name="Entry", description="An entry of the catalog.",
                     targets=["local", "docker"], available_targets=["local"], fields=fields) for i in range(2)]
    at = datetime.datetime.now(datetime.timezone.utc)
    edges = [Edge(cursor=f"{at.isoformat()}|{i:036d}", node=Node(
        id=strawberry.ID(f"{i:036d}"), name=f"svc-{i}", status=Status.DRAFT, target="local", applied=False,
        created_at=at, updated_at=at, catalog_entry=entries[0], drift=Verdict(status="UNKNOWN"), health=Verdict(status="UNKNOWN")))
        for i in range(50)]
    connection = Connection(edges=edges, page_info=PageInfo(has_next_page=True, end_cursor=edges[-1].cursor))

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


async def run(report: Report, quick: bool, tmp: Path) -> None:
    stored, rounds, seconds = (200, 1, 1.0) if quick else (1000, 3, 5.0)
    settings = bench_settings(tmp / "data")
    rows = []
    async with serving(settings) as srv, serving_asgi(ceiling_app()) as ceiling:
        async with Api(srv.url) as api:
            t0 = time.perf_counter()
            await populate(api, stored)
            created = time.perf_counter() - t0
        for name, query in (("catalog", CATALOG_QUERY), ("services(first: 50)", SERVICES_QUERY)):
            out: dict[str, tuple[list[float], list[float], int]] = {"a": ([], [], 0), "b": ([], [], 0)}
            for _ in range(rounds):  # A, B, A, B, ...
                for side, url in (("a", srv.url), ("b", ceiling)):
                    rps, lat, errors = await measure(url + "/graphql", query, seconds)
                    rates, lats, errs = out[side]
                    out[side] = (rates + [rps], lats + lat, errs + errors)
            (ra, la, ea), (rb, lb, eb) = out["a"], out["b"]
            sa, sb = Stats.of(la), Stats.of(lb)
            rate_a, rate_b = Stats.of(ra).median, Stats.of(rb).median
            rows.append((name, f"{rate_a:,.0f}", f"{rate_b:,.0f}", f"{ratio(rate_a, rate_b):.2f}",
                         ms(sa.median), ms(sa.p99), ms(sb.median), ms(sb.p99), sa.range(ms),
                         f"{sa.n:,} / {sb.n:,}", ea + eb))
    body = table(("query", "SpawnIt req/s", "ceiling req/s", "ratio to ceiling", "SpawnIt p50", "SpawnIt p99",
                  "ceiling p50", "ceiling p99", "SpawnIt min–max", "requests (SpawnIt / ceiling)", "errors"), rows)
    body += (f"\n\n{stored:,} services stored (created through `createService` in {created:.1f} s, "
             f"{created / stored * 1000:.1f} ms each). {CONCURRENCY} keep-alive connections, {rounds} × "
             f"{seconds:g} s per side, alternating; req/s is the median of the rounds, latencies pooled.")
    report.add(Section("5. API throughput vs a minimal Strawberry app", body))
