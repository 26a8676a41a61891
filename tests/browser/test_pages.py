"""The way in, over plain HTTP against a real server: `GET /` leads to GraphiQL, the GraphiQL page
points only at SpawnIt's own assets, and a missing build answers a page saying how to build it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.graphiql import DIST, GraphiQLGate, is_built, routes
from tests.server import Running, Start, serving_app

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


async def test_root_redirects_to_graphiql(spawnit: Running) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{spawnit.url}/", headers=HTML)
    assert response.status_code == 307
    assert response.headers["location"] == "/graphql"


async def test_graphiql_page_loads_only_local_assets(spawnit: Running) -> None:
    assert is_built(DIST), f"GraphiQL's bundle is missing from {DIST}: run scripts/bootstrap"
    endpoint = f"{spawnit.url}/graphql"
    async with httpx.AsyncClient() as client:
        page = await client.get(endpoint, headers=HTML)
        assert page.status_code == 200
        links = re.findall(r'(?:src|href)="([^"]*)"', page.text)
        assert sorted(links) == ["data:,", "graphiql/assets/graphiql.css", "graphiql/assets/graphiql.js"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        # relative to the page, as a browser resolves them
        script = await client.get(urljoin(endpoint, "graphiql/assets/graphiql.js"))
        style = await client.get(urljoin(endpoint, "graphiql/assets/graphiql.css"))
        worker = await client.get(urljoin(endpoint, "graphiql/assets/workers/graphql.worker.js"))
    assert script.status_code == style.status_code == worker.status_code == 200
    assert "javascript" in script.headers["content-type"] and "css" in style.headers["content-type"]
    assert len(script.content) > 1_000_000  # GraphiQL, React, Monaco and the explorer, bundled
    assert script.headers["content-encoding"] == "gzip"  # httpx asked for it, and decoded it


async def test_graphiql_switched_off_serves_neither_page_nor_assets(start: Start) -> None:
    spawnit = await start(graphiql=False)
    async with httpx.AsyncClient(base_url=spawnit.url) as client:
        page = await client.get("/graphql", headers=HTML)
        asset = await client.get("/graphiql/assets/graphiql.js")
        root = await client.get("/", headers=HTML)
        query = await client.post("/graphql", json={"query": "{ me { tenantId } }"})
    assert page.status_code == asset.status_code == root.status_code == 404
    assert "/graphql" in root.text
    assert query.json()["data"]["me"]["tenantId"]


async def test_a_missing_build_answers_how_to_build_it(tmp_path: Path) -> None:
    missing = tmp_path / "dist"
    graphql = PlainTextResponse("the GraphQL view")
    app = Starlette(routes=[*routes(True, dist=missing), Route("/graphql", GraphiQLGate(graphql, missing))])
    async with serving_app(app) as url, httpx.AsyncClient(base_url=url) as client:
        page = await client.get("/graphql", headers=HTML)
        asset = await client.get("/graphiql/assets/graphiql.js")
        api = await client.post("/graphql")
    assert page.status_code == 503
    assert "scripts/bootstrap" in page.text and "npm ci" in page.text
    assert asset.status_code == 404
    assert api.text == "the GraphQL view"


async def test_root_serves_the_console_once_built(tmp_path: Path) -> None:
    console = tmp_path / "console"
    console.mkdir()
    (console / "index.html").write_text("<!doctype html><title>SpawnIt console</title>")
    async with serving_app(Starlette(routes=routes(True, console=console))) as url, httpx.AsyncClient() as client:
        response = await client.get(f"{url}/", headers=HTML)
    assert response.status_code == 200 and "SpawnIt console" in response.text
