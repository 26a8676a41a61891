"""A real GraphQL client for the API tests: gql over HTTP and over websockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
FINAL = {"SUCCEEDED", "FAILED", "CANCELED", "INTERRUPTED"}

JOB_FIELDS = """
  id kind state phase exitCode error cancelRequested forced hasChanges planJobId
  progress { done total } summary { add change destroy }
  createdAt startedAt finishedAt service { id }
"""


class GraphQLErrors(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors

    @property
    def codes(self) -> list[str]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


class Api:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.url = f"{base_url}/graphql"
        self.ws_url = self.url.replace("http://", "ws://")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def as_(self, token: str) -> Api:
        """The same server, called with this bearer token."""
        return Api(self.base_url, token)

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        transport = HTTPXAsyncTransport(url=self.url, headers=self.headers, timeout=60)
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            try:
                return await session.execute(gql(query), variable_values=variables or None)
            except TransportQueryError as exc:
                raise GraphQLErrors(exc.errors or []) from None

    async def errors(self, query: str, **variables: Any) -> GraphQLErrors:
        try:
            data = await self.run(query, **variables)
        except GraphQLErrors as exc:
            return exc
        raise AssertionError(f"expected errors, got data {data}")

    async def subscribe(
        self, query: str, protocol: str = TRANSPORT_WS, **variables: Any
    ) -> AsyncIterator[dict[str, Any]]:
        transport = WebsocketsTransport(url=self.ws_url, subprotocols=[protocol], init_payload=dict(self.headers))
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            try:
                async for item in session.subscribe(gql(query), variable_values=variables or None):
                    yield item
            except TransportQueryError as exc:
                raise GraphQLErrors(exc.errors or []) from None

    # -- the domain's common steps -------------------------------------------------

    async def create(self, entry: str, name: str, **variables: Any) -> dict[str, Any]:
        """A service of catalog `entry` on the local target: its id."""
        data = await self.run(
            "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
            i={"catalogEntryId": entry, "target": "local", "name": name, "variables": variables},
        )
        return data["createService"]

    async def create_site(self, title: str, port: int, name: str = "site", **extra: Any) -> dict[str, Any]:
        data = await self.run(
            """mutation($input: CreateServiceInput!) {
                 createService(input: $input) { id name status target variables catalogEntry { id } }
               }""",
            input={
                "catalogEntryId": "static-site",
                "target": "local",
                "name": name,
                "variables": {"title": title, "port": port, **extra},
            },
        )
        return data["createService"]

    async def job(self, job_id: str) -> dict[str, Any]:
        return (await self.run(f"query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}", id=job_id))["job"]

    async def wait_job(self, job_id: str, timeout: float = 120) -> dict[str, Any]:
        """Follow `jobUpdates` until the job ends; return the final job."""

        async def follow() -> dict[str, Any]:
            last: dict[str, Any] = {}
            async for item in self.subscribe(
                f"subscription($id: ID!) {{ jobUpdates(jobId: $id) {{ {JOB_FIELDS} }} }}", id=job_id
            ):
                last = item["jobUpdates"]
            return last

        job = await asyncio.wait_for(follow(), timeout)
        assert job["state"] in FINAL, job
        return job

    async def mutate_job(self, mutation: str, service_id: str, **extra: Any) -> dict[str, Any]:
        args = ", ".join(["id: $id", *[f"{k}: ${k}" for k in extra]])
        params = ", ".join(["$id: ID!", *[f"${k}: ID" for k in extra]])
        data = await self.run(f"mutation({params}) {{ {mutation}({args}) {{ {JOB_FIELDS} }} }}", id=service_id, **extra)
        return data[mutation]

    async def logs(self, job_id: str) -> list[dict[str, Any]]:
        data = await self.run(
            "query($id: ID!) { job(id: $id) { logs(fromLine: 0, limit: null) { number text at } } }", id=job_id
        )
        return data["job"]["logs"]
