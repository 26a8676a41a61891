"""A small GraphQL client for the scenarios (httpx for queries and mutations,
graphql-transport-ws over websockets for subscriptions) and the domain's common steps:
services created, jobs run to their end, a query sent in a loop."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import httpx
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from bench.report import progress

FINAL = {"SUCCEEDED", "FAILED", "CANCELED", "INTERRUPTED"}


class GraphQLError(Exception):
    pass


class Api:
    """Queries and mutations over one keep-alive httpx client; subscriptions over
    graphql-transport-ws connections (many subscriptions share one connection)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/graphql"
        self.ws_url = self.url.replace("http://", "ws://")
        self.http = httpx.AsyncClient(timeout=300)

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        answer = (await self.http.post(self.url, json={"query": query, "variables": variables})).json()
        if answer.get("errors"):
            raise GraphQLError(answer["errors"])
        return answer["data"]

    async def close(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- the domain's common steps -----------------------------------------------------

    async def create(self, entry: str, target: str, name: str, variables: dict[str, Any]) -> str:
        data = await self.run(
            "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
            i={"catalogEntryId": entry, "target": target, "name": name, "variables": variables},
        )
        return data["createService"]["id"]

    async def create_site(self, name: str, port: int) -> str:
        return await self.create("static-site", "local", name, {"title": name, "port": port})

    async def submit(self, mutation: str, service_id: str) -> str:
        """planService / applyService / destroyService / checkDrift: the job's id."""
        data = await self.run(f"mutation($id: ID!) {{ {mutation}(id: $id) {{ id }} }}", id=service_id)
        return data[mutation]["id"]

    async def job_state(self, job_id: str) -> str:
        return (await self.run("query($id: ID!) { job(id: $id) { state } }", id=job_id))["job"]["state"]


# what a list view of services asks for
SERVICES_QUERY = """{ services(first: 50) { edges { cursor node { id name status target applied createdAt updatedAt
  catalogEntry { id name } drift { status checkedAt } health { status } } } pageInfo { hasNextPage endCursor } } }"""
CATALOG_QUERY = """{ catalog { id name description targets availableTargets
  fields { name type required default min max description sensitive } } }"""


async def populate(api: Api, count: int, prefix: str = "svc", concurrency: int = 8) -> list[str]:
    """`count` static-site services created through the API (none applied)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> str:
        async with gate:
            for _attempt in range(3):
                try:
                    return await api.create_site(f"{prefix}-{i}", 20000 + i % 40000)
                except httpx.TransportError as exc:  # seen once: a keep-alive connection dropped
                    progress(f"createService: {exc!r}, retrying")
            raise RuntimeError("createService failed 3 times")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


JOB_UPDATES = "subscription($id: ID!) { jobUpdates(jobId: $id) { state error } }"


class Ws:
    """One graphql-transport-ws connection; subscriptions are multiplexed on it."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._ids = itertools.count(1)
        self._handlers: dict[str, Callable[[str, Any, int], None]] = {}
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, ws_url: str) -> Ws:
        conn = await ws_connect(
            ws_url,
            subprotocols=["graphql-transport-ws"],
            max_size=None,
            max_queue=None,
            compression=None,
            ping_interval=None,
        )
        await conn.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await conn.recv())
        if ack.get("type") != "connection_ack":
            raise GraphQLError(f"no connection_ack: {ack}")
        ws = cls(conn)
        ws._reader = asyncio.create_task(ws._read())
        return ws

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._read_all()

    async def _read_all(self) -> None:
        async for raw in self._conn:
            at = time.time_ns()
            msg = json.loads(raw)
            kind = msg.get("type")
            if kind == "ping":
                await self._conn.send(json.dumps({"type": "pong"}))
                continue
            handler = self._handlers.get(msg.get("id"))
            if handler is not None:
                handler(kind, msg.get("payload"), at)
                if kind in ("complete", "error"):
                    self._handlers.pop(msg["id"], None)

    async def subscribe(self, query: str, variables: dict[str, Any], handler: Callable[[str, Any, int], None]) -> str:
        """`handler(type, payload, receive time in ns)` for each `next`, `error`, `complete`."""
        sub_id = str(next(self._ids))
        self._handlers[sub_id] = handler
        await self._conn.send(
            json.dumps({"id": sub_id, "type": "subscribe", "payload": {"query": query, "variables": variables}})
        )
        return sub_id

    async def follow(self, query: str, variables: dict[str, Any]) -> AsyncIterator[tuple[dict[str, Any], int]]:
        """One subscription as an async iterator of (data, receive time in ns)."""
        queue: asyncio.Queue[tuple[str, Any, int]] = asyncio.Queue()
        await self.subscribe(query, variables, lambda k, p, at: queue.put_nowait((k, p, at)))
        while True:
            kind, payload, at = await queue.get()
            if kind == "complete":
                return
            if kind == "error" or (payload or {}).get("errors"):
                raise GraphQLError(payload)
            yield payload["data"], at

    async def wait_job(self, job_id: str, timeout: float = 600) -> str:
        """Follow `jobUpdates` until the job ends; its final state."""

        async def last() -> str:
            state = ""
            async for data, _ in self.follow(JOB_UPDATES, {"id": job_id}):
                state = data["jobUpdates"]["state"]
                if state in FINAL:
                    return state
            return state

        return await asyncio.wait_for(last(), timeout)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._conn.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader


async def run_job(api: Api, ws: Ws, mutation: str, service_id: str, expect: str = "SUCCEEDED") -> str:
    job_id = await api.submit(mutation, service_id)
    state = await ws.wait_job(job_id)
    if state != expect:
        job = (
            await api.run(
                "query($id: ID!) { job(id: $id) { error logs(fromLine: 0, limit: null) { text } } }", id=job_id
            )
        )["job"]
        tail = "\n".join(line["text"] for line in job["logs"][-15:])
        raise RuntimeError(f"{mutation} of {service_id}: job {job_id} ended {state}: {job['error']}\n{tail}")
    return job_id


QUERY_PAUSE = 0.05  # a client polling ~20 times a second: enough samples, little load of its own


async def run_retrying(api: Api, ws: Ws, mutation: str, service_id: str, attempts: int = 3) -> int:
    """Run the job until it succeeds (set-up and clean-up, never timed): a job can fail
    when another service's init re-links the shared plugin cache under it (see the
    README's Performance section). How many attempts failed."""
    for failed in range(attempts):
        try:
            await run_job(api, ws, mutation, service_id)
            return failed
        except RuntimeError as exc:
            progress(f"{mutation} failed, retrying: {str(exc).splitlines()[0]}")
    raise RuntimeError(f"{mutation} of {service_id} failed {attempts} times")


async def run_all(api: Api, ws: Ws, mutation: str, services: Iterable[str]) -> int:
    """`mutation` on every service at once, retrying failures; how many attempts failed."""
    return sum(await asyncio.gather(*(run_retrying(api, ws, mutation, s) for s in services)))


async def query_loop(api: Api, query: str, stop: asyncio.Event, pause: float = QUERY_PAUSE) -> list[float]:
    """Send `query` every `pause` seconds (after each answer) until `stop`; the latencies in ms."""
    out: list[float] = []
    while not stop.is_set():
        t0 = time.perf_counter()
        await api.run(query)
        out.append((time.perf_counter() - t0) * 1000)
        if pause:
            await asyncio.sleep(pause)
    return out
