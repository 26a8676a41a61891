"""`GET /console/config.json`: what a console (the one SpawnIt serves, or one served from
another origin listed in SPAWNIT_CORS_ORIGINS) needs before it can sign anybody in.

Public and unauthenticated by design: it says whether auth is on and, if so, the issuer
to send people to and the OIDC client the console is (a public client: no secret),
nothing else. The GraphQL endpoint is relative to the page's SpawnIt.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.settings import Settings

PATH = "/console/config.json"


def config_of(settings: Settings) -> dict[str, object]:
    auth: dict[str, object] = {"enabled": settings.auth_enabled, "issuer": None, "clientId": None, "audience": None}
    if settings.auth_enabled:
        auth.update(
            issuer=settings.oidc_issuer,
            clientId=settings.oidc_client_id,
            audience=settings.oidc_audience,
            scope="openid",
        )
    return {"graphql": "/graphql", "auth": auth}


def console_config_route(settings: Settings) -> Route:
    body = config_of(settings)

    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse(body, headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"})

    return Route(PATH, endpoint, methods=["GET", "HEAD"], name="console-config")
