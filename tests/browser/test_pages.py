"""The way in, over plain HTTP against a real server: `GET /` is the console once built (its
client routes too, under a self-only CSP; its hashed assets cached for good), GraphiQL
otherwise; the GraphiQL page points only at SpawnIt's own assets, and a missing build answers
a page saying how to build it."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app import console
from app.graphiql import DIST, GraphiQLGate, is_built, routes
from tests.server import Running, Start, serving_app

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
UUID = "0b0e5a3e-1111-4a4a-9999-000000000000"


async def test_root_redirects_to_graphiql_without_a_console(tmp_path: Path) -> None:
    app = Starlette(routes=routes(True, console=tmp_path / "no-console"))
    async with serving_app(app) as url, httpx.AsyncClient() as client:
        response = await client.get(f"{url}/", headers=HTML)
    assert response.status_code == 307
    assert response.headers["location"] == "/graphql"


async def test_the_console_at_root_and_its_routes(spawnit: Running) -> None:
    assert console.is_built(console.CONSOLE), f"the console is not built in {console.CONSOLE}: run scripts/bootstrap"
    async with httpx.AsyncClient(base_url=spawnit.url) as client:
        pages = [
            await client.get(path, headers=HTML)
            for path in ("/", "/catalog", "/deploy/static-site", f"/services/{UUID}", f"/jobs/{UUID}", "/auth/callback")
        ]
        unknown = await client.get("/nothing-here", headers=HTML)
        ide = await client.get("/graphql", headers=HTML)
        index = pages[0].text
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)
        answers = [await client.get(asset) for asset in assets]
    assert [p.status_code for p in pages] == [200] * 6 and all(p.text == index for p in pages)
    policy = pages[0].headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy  # no other host, auth being off
    assert pages[0].headers["cache-control"] == "no-cache"
    # nothing but the page's own assets: every src/href is one of them, or the empty icon
    links = re.findall(r'(?:src|href)="([^"]*)"', index)
    assert sorted(links) == sorted([*assets, "data:,", "/graphql"]), links
    assert {a.status_code for a in answers} == {200} and len(answers) == 2
    assert all("immutable" in a.headers["cache-control"] for a in answers)
    assert unknown.status_code == 404
    assert ide.status_code == 200 and "graphiql/assets/graphiql.js" in ide.text  # GraphiQL stays at /graphql


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
    assert console.is_built(console.CONSOLE), "the console is not built: run scripts/bootstrap"
    spawnit = await start(graphiql=False)
    async with httpx.AsyncClient(base_url=spawnit.url) as client:
        page = await client.get("/graphql", headers=HTML)
        asset = await client.get("/graphiql/assets/graphiql.js")
        root = await client.get("/", headers=HTML)
        query = await client.post("/graphql", json={"query": "{ me { tenantId } }"})
    assert page.status_code == asset.status_code == 404
    assert root.status_code == 200 and "/assets/" in root.text  # the console needs no GraphiQL
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
    (console / "BUILT").write_text("now")
    async with serving_app(Starlette(routes=routes(True, console=console))) as url, httpx.AsyncClient() as client:
        response = await client.get(f"{url}/", headers=HTML)
    assert response.status_code == 200 and "SpawnIt console" in response.text


def test_the_consoles_policy_adds_only_the_issuers_origin() -> None:
    assert console.policy(None) == console.policy("not a url")
    with_auth = console.policy("https://keycloak.example:8443/realms/spawnit")
    assert "connect-src 'self' https://keycloak.example:8443;" in with_auth
    assert with_auth.replace(" https://keycloak.example:8443", "") == console.policy(None)
