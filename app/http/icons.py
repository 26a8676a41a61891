"""`GET /catalog/icons/<entry id>.svg`: a catalog entry's icon.

The id is looked up in the loaded catalog; nothing of the request reaches a path (the
icons were read at start-up from the project's own files and checked by
`app.catalog.icons`). The answer is `image/svg+xml` with `nosniff` and a
Content-Security-Policy that lets the document run nothing and fetch nothing, so an SVG
opened on its own is inert. Public, like the catalog's pictures on a landing page: an
<img> sends no bearer token.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.catalog.icons import GENERIC

PATH = "/catalog/icons/{name:str}"
SUFFIX = ".svg"
POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


async def icon(request: Request) -> Response:
    name = request.path_params["name"]
    entry_id = name.removesuffix(SUFFIX) if isinstance(name, str) and name.endswith(SUFFIX) else None
    catalog = request.app.state.spawnit.catalog
    entry = catalog.entries.get(entry_id) if entry_id is not None else None
    if entry is None:
        return PlainTextResponse("no such catalog icon\n", 404, headers={"x-content-type-options": "nosniff"})
    found = entry.icon or GENERIC
    return Response(
        found.svg,
        media_type="image/svg+xml",
        headers={
            "content-security-policy": POLICY,
            "x-content-type-options": "nosniff",
            "cache-control": "public, max-age=3600",
            "etag": f'"{found.version}"',
            "cross-origin-resource-policy": "cross-origin",
        },
    )


def routes() -> list[Route]:
    return [Route(PATH, icon, methods=["GET", "HEAD"], name="catalog-icon")]
