"""GraphiQL served by SpawnIt alone: its page, its assets and the way in (`GET /`).

The JavaScript and CSS are bundled from npm packages by `scripts/bootstrap` (web/graphiql,
output in web/graphiql/dist) and served from /graphiql/assets/. The page loads nothing from
another host, and its Content-Security-Policy tells the browser to refuse anything that tries.
A browser's GET /graphql gets the page; every other request to /graphql is GraphQL's.
"""

from __future__ import annotations

from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from app import console as console_app

WEB = Path(__file__).resolve().parent.parent / "web"
DIST = WEB / "graphiql" / "dist"
CONSOLE = console_app.CONSOLE
ASSETS = "/graphiql/assets"
BUILT = "BUILT"  # written last by web/graphiql/build.mjs: its presence means a complete build

# 'self' covers the page's own host for fetch and websocket alike; Monaco sets inline styles
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "worker-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

# relative URLs: the page is /graphql, its assets /graphiql/assets/ (also behind a path prefix)
PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>SpawnIt GraphiQL</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="graphiql/assets/graphiql.css">
    <style>body { margin: 0; } #graphiql { height: 100dvh; }</style>
    <script type="module" src="graphiql/assets/graphiql.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
  </body>
</html>
"""

MISSING = """<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>SpawnIt GraphiQL: not built</title></head>
  <body style="font-family: sans-serif; max-width: 40em; margin: 2em auto; line-height: 1.5">
    <h1>GraphiQL is not built</h1>
    <p>SpawnIt serves GraphiQL's JavaScript and CSS itself, bundled from the npm packages in
    <code>web/graphiql/</code>. That bundle is missing: <code>{dist}</code> has no complete build.</p>
    <p>Build it from the repository's root (needs <code>node</code> and <code>npm</code>), then reload:</p>
    <pre>scripts/bootstrap</pre>
    <p>or by hand: <code>cd web/graphiql &amp;&amp; npm ci &amp;&amp; npm run build</code>.</p>
    <p>The GraphQL API itself works without it: POST queries to this URL.</p>
  </body>
</html>
"""


def is_built(dist: Path) -> bool:
    return (dist / BUILT).is_file()


def wants_ide(scope: Scope) -> bool:
    """A browser opening the endpoint: GET, no `query` parameter, an HTML-accepting client."""
    if scope["type"] != "http" or scope["method"] != "GET":
        return False
    request = Request(scope)
    accept = request.headers.get("accept", "")
    return "query" not in request.query_params and ("text/html" in accept or "*/*" in accept)


def page(dist: Path) -> Response:
    headers = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}
    if not is_built(dist):
        return HTMLResponse(MISSING.format(dist=dist), status_code=503, headers=headers)
    return HTMLResponse(PAGE, headers={**headers, "content-security-policy": POLICY})


class GraphiQLGate:
    """In front of the GraphQL view on /graphql: a browser's GET gets SpawnIt's GraphiQL page."""

    def __init__(self, app: ASGIApp, dist: Path = DIST) -> None:
        self.app = app
        self.dist = dist

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if wants_ide(scope):
            await page(self.dist)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Assets(StaticFiles):
    """The bundle's files; revalidated on every load (ETag), so a rebuild is picked up at once."""

    async def check_config(self) -> None:
        """A missing build is a 404 here (the page says how to build it), not a server error."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["cache-control"] = "no-cache"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def home(graphiql: bool) -> Route:
    """`GET /` without a built console (web/console/dist): GraphiQL."""

    async def endpoint(request: Request) -> Response:
        if graphiql:
            return RedirectResponse(request.base_url.path.rstrip("/") + "/graphql", status_code=307)
        return PlainTextResponse("SpawnIt: the GraphQL API is at /graphql (GraphiQL is switched off).\n", 404)

    return Route("/", endpoint, methods=["GET", "HEAD"], name="home")


def routes(graphiql: bool, dist: Path = DIST, console: Path = CONSOLE) -> list[BaseRoute]:
    """The way in (the console once built, else GraphiQL), and GraphiQL's assets when it is on."""
    found: list[BaseRoute] = console_app.routes(console) or [home(graphiql)]
    if graphiql:
        # the bundle is ~6 MB, ~1.5 MB compressed: what a browser behind a slow link waits for
        assets = GZipMiddleware(Assets(directory=dist, check_dir=False), minimum_size=1024)
        found.append(Mount(ASSETS, assets, name="graphiql-assets"))
    return found
