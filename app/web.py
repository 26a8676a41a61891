"""The HTTP and websocket edge: the GraphQL view (who is calling, per request and per
socket), and a cap on request bodies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from app.auth.gate import identify
from app.container import SpawnIt
from app.errors import SpawnItError
from resolvers.context import Context

log = logging.getLogger("spawnit.web")
EXPIRED = 4403  # graphql-transport-ws: Forbidden


class GraphQLView(GraphQL):
    async def get_context(self, request: Any, response: Any = None) -> Context:
        spawnit: SpawnIt = request.app.state.spawnit
        context = Context(app=spawnit, request=request)
        header = request.headers.get("authorization")
        if isinstance(request, Request) or header or spawnit.verifier is None:
            try:
                context.identity = await identify(spawnit.verifier, header)
            except SpawnItError as exc:
                context.auth_error = exc
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        spawnit = context.app
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        credential = params.get("Authorization") or params.get("authorization") or params.get("authToken")
        if credential or context.identity is None:
            try:
                context.identity = await identify(spawnit.verifier, credential)
            except SpawnItError as exc:
                raise ConnectionRejectionError({"message": exc.message, "extensions": {"code": exc.code}}) from None
        if context.identity.expires_at != float("inf"):
            # held by the socket's context, so the task lives as long as the socket does
            context.expiry = asyncio.create_task(_close_at_expiry(context.request, context.identity.expires_at))
        return UNSET


async def _close_at_expiry(websocket: Any, expires_at: float) -> None:
    """A socket lives no longer than the token it was opened with."""
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    with contextlib.suppress(Exception):
        await websocket.close(code=EXPIRED, reason="token expired")


class BodyLimit:
    """Refuse request bodies over `limit` bytes (413), whatever Content-Length says."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"errors": [{"message": f"request body over {self.limit} bytes", "extensions": {"code": "BAD_USER_INPUT"}}]}
        ).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
