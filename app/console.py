"""The console served by SpawnIt alone: its page at `/` and at each of its client routes
(the SPA's history paths) and its hashed assets under /assets/. What it needs to know at
start (auth on or off, the issuer and client to sign in with) is `/console/config.json`
(app/http/console_config.py).

Built from web/console by `scripts/bootstrap` into web/console/dist (not in git). The page's
Content-Security-Policy allows this host only, plus the OIDC issuer's origin for the sign-in's
token requests when auth is on: nothing else can be loaded or called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB = Path(__file__).resolve().parent.parent / "web"
CONSOLE = WEB / "console" / "dist"
BUILT = "BUILT"  # written last by web/console's build: its presence means a complete build

# the console's own paths (web/console/src/lib/router.ts): each answers the page
CLIENT_ROUTES = (
    "/catalog",
    "/deploy",
    "/deploy/{entry}",
    "/services/{service}",
    "/jobs/{job}",
    "/auth/callback",
)


def is_built(dist: Path) -> bool:
    return (dist / BUILT).is_file() and (dist / "index.html").is_file()


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def policy(issuer: str | None) -> str:
    """Self only; the issuer's origin may be called (discovery, token) when auth is on."""
    extra = f" {found}" if issuer and (found := origin(issuer)) else ""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self'{extra}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _issuer(request: Request) -> str | None:
    spawnit = getattr(request.app.state, "spawnit", None)
    return spawnit.settings.oidc_issuer if spawnit is not None else None


def page_endpoint(console: Path) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        headers = {
            "cache-control": "no-cache",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
            "content-security-policy": policy(_issuer(request)),
        }
        return FileResponse(console / "index.html", headers=headers)

    return endpoint


class Assets(StaticFiles):
    """Content-hashed files: cached for good (a rebuild gives new names)."""

    async def check_config(self) -> None:
        """A missing build is a 404 here, not a server error."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        response.headers["x-content-type-options"] = "nosniff"
        return response


def routes(console: Path = CONSOLE) -> list[BaseRoute]:
    """The console's page at `/` and its client routes, and its assets; nothing when it is
    not built (then `/` leads to GraphiQL, app/graphiql.py)."""
    if not is_built(console):
        return []
    endpoint = page_endpoint(console)
    found: list[BaseRoute] = [Route("/", endpoint, methods=["GET", "HEAD"], name="console")]
    found += [Route(path, endpoint, methods=["GET", "HEAD"]) for path in CLIENT_ROUTES]
    assets = GZipMiddleware(Assets(directory=console / "assets", check_dir=False), minimum_size=1024)
    found.append(Mount("/assets", assets, name="console-assets"))
    return found
