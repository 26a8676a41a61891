"""The HTTP and websocket edge: the GraphQL view (who is calling, per request and per
socket; every operation on both websocket protocols; subscriptions refused over plain
HTTP; JSON nesting and websocket message sizes capped)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator
from json import JSONDecodeError
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from app.auth.gate import identify
from app.container import SpawnIt
from app.errors import SpawnItError
from app.http.hosts import normalize_origin
from app.http.legacy_ws import GraphQLWSHandler
from app.http.limits import BAD_DATA, MAX_JSON_DEPTH, TOO_BIG, BodyLimit, TooDeep, load_json
from app.http.sockets import GraphQLTransportWSHandler
from schema.context import Context

__all__ = ["BodyLimit", "GraphQLView"]

log = logging.getLogger("spawnit.web")
EXPIRED = 4403  # graphql-transport-ws: Forbidden


SUBSCRIPTION_OVER_HTTP = (
    "subscriptions need a websocket: open one on this URL with the graphql-transport-ws "
    "(or graphql-ws) subprotocol and send the subscription there"
)


class _Refused(Exception):
    """A request refused before GraphQL saw it: answered 400 with a coded error."""


class LimitedWebSocket(ASGIWebSocketAdapter):
    """Messages over the size limit close the socket (1009) unread; JSON nested too
    deep closes it (1007)."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        spawnit: SpawnIt = self.ws.app.state.spawnit
        limit = spawnit.settings.ws_message_limit
        try:
            while self.ws.application_state != WebSocketState.DISCONNECTED:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:
                    raise NonTextMessageReceived
                if len(text) > limit or len(text.encode()) > limit:
                    log.warning("closed a websocket: a message of %d characters (limit %d bytes)", len(text), limit)
                    await self.close(TOO_BIG, f"message over {limit} bytes")
                    return
                try:
                    yield load_json(text)
                except TooDeep:
                    await self.close(BAD_DATA, f"message nested deeper than {MAX_JSON_DEPTH} levels")
                    return
                except JSONDecodeError as e:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from e
        except WebSocketDisconnect:
            pass


class GraphQLView(GraphQL[Context, None]):
    websocket_adapter_class = LimitedWebSocket
    graphql_ws_handler_class = GraphQLWSHandler
    graphql_transport_ws_handler_class = GraphQLTransportWSHandler
    fanout = None  # the shared subscriptions of this view (app/http/fanout.py), made at first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except _Refused as exc:  # raised while the body was parsed: nothing was sent yet
            body = {"errors": [{"message": str(exc), "extensions": {"code": "BAD_USER_INPUT"}}]}
            await JSONResponse(body, status_code=400)(scope, receive, send)

    def is_websocket_origin_allowed(self, request: Any, origin: str) -> bool:
        """A cross-origin page may open a socket when its origin is listed
        (SPAWNIT_CORS_ORIGINS); the edge's HostGuard refused the others already."""
        spawnit: SpawnIt = request.app.state.spawnit
        return normalize_origin(origin) in {normalize_origin(o) for o in spawnit.settings.cors_origins}

    def decode_json(self, data: str | bytes) -> object:
        try:
            return load_json(data)
        except TooDeep as exc:
            raise _Refused(f"request body: {exc}") from None

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Any,
        context: Context,
        root_value: Any,
        request_data: Any,
    ) -> ExecutionResult:
        """Queries (and mutations on POST) over plain HTTP; a subscription gets a coded
        error that says where to send it."""
        method = request_adapter.method
        allowed = {OperationType.QUERY, OperationType.MUTATION} if method == "POST" else {OperationType.QUERY}
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as e:
            if e.operation_type is OperationType.SUBSCRIPTION:
                error = GraphQLError(SUBSCRIPTION_OVER_HTTP, extensions={"code": "BAD_USER_INPUT"})
                return ExecutionResult(data=None, errors=[error])
            raise HTTPException(400, e.as_http_error_reason(method)) from e
        except CannotGetOperationTypeError as e:
            raise HTTPException(400, e.as_http_error_reason()) from e
        except MissingQueryError as e:
            raise HTTPException(400, "No GraphQL query found in the request") from e

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None = None) -> Context:
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
        return None  # acknowledged without a payload


async def _close_at_expiry(websocket: Any, expires_at: float) -> None:
    """A socket lives no longer than the token it was opened with."""
    await asyncio.sleep(max(0.0, expires_at - time.time()))
    with contextlib.suppress(Exception):
        await websocket.close(code=EXPIRED, reason="token expired")
