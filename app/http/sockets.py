"""The two websocket protocols' frames for the fan-out (app/http/fanout.py): a shared
payload, serialised once, goes out in each subscriber's own frame (its operation id),
`next` on graphql-transport-ws, `data` on the legacy graphql-ws."""

from __future__ import annotations

import json
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation as WsOperation
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage

from app.http.fanout import Fanout, Operation
from app.http.shared import SharedOperation, shared_operation


def sharing(handler: Any, query: str, variables: Any, name: str | None) -> SharedOperation | None:
    """The operation's sharing key when the fan-out is on and the caller is known."""
    context = handler.context
    identity = getattr(context, "identity", None)
    if identity is None or not context.app.settings.ws_fanout:
        return None
    return shared_operation((identity.tenant.id, identity.tenant.admin), query, variables, name)


def fanout_of(handler: Any) -> Fanout:
    view = handler.view
    if getattr(view, "fanout", None) is None:
        view.fanout = Fanout()
    fanout: Fanout = view.fanout
    return fanout


async def send_text(handler: Any, text: str) -> None:
    try:
        await handler.websocket.ws.send_text(text)
    except (WebSocketDisconnect, OSError, RuntimeError) as exc:  # the socket went (or is closing)
        raise WebSocketDisconnected from exc


class TransportSink:
    def __init__(self, handler: BaseGraphQLTransportWSHandler[Any, Any], operation: WsOperation[Any, Any]) -> None:
        self.handler, self.operation = handler, operation
        self.head = '{"id":' + json.dumps(operation.id) + ',"type":"next","payload":'

    async def next(self, payload: str) -> None:
        if not self.operation.completed:
            await send_text(self.handler, self.head + payload + "}")

    async def errors(self, errors: list[GraphQLError]) -> None:
        await self.operation.send_initial_errors(errors)

    async def complete(self) -> None:
        await self.operation.send_operation_message({"id": self.operation.id, "type": "complete"})


class LegacySink:
    def __init__(self, handler: Any, operation_id: str) -> None:
        self.handler, self.id = handler, operation_id
        self.head = '{"type":"data","id":' + json.dumps(operation_id) + ',"payload":'

    async def next(self, payload: str) -> None:
        await send_text(self.handler, self.head + payload + "}")

    async def errors(self, errors: list[GraphQLError]) -> None:
        await self.handler.send_message(ErrorMessage(type="error", id=self.id, payload=errors[0].formatted))

    async def complete(self) -> None:
        await self.handler.send_message(CompleteMessage(type="complete", id=self.id))


class GraphQLTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws: a shareable subscription follows its group."""

    async def run_operation(self, operation: WsOperation[Any, Any]) -> None:
        shared = sharing(self, operation.query, operation.variables, operation.operation_name)
        if shared is None:
            await super().run_operation(operation)
            return
        run = Operation(self.schema, operation.query, operation.variables, operation.operation_name, self.context)
        try:
            await fanout_of(self).follow(shared, run, TransportSink(self, operation))
        except WebSocketDisconnected:
            pass  # the handler's shutdown forgets the operation
