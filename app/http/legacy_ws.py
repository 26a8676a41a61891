"""The legacy `graphql-ws` subprotocol running every operation, as
`graphql-transport-ws` does: strawberry's handler only subscribes, so a query or a
mutation sent over it (the `gql` client's default protocol) failed."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import CompleteMessage, ErrorMessage
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from app.http.fanout import Operation
from app.http.shared import SharedOperation
from app.http.sockets import LegacySink, fanout_of, sharing

ANY_OPERATION = (OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION)


class GraphQLWSHandler(BaseGraphQLWSHandler[Any, Any]):
    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        """Queries and mutations: one `data` then `complete`; subscriptions: a `data`
        per event, then `complete`; a request refused before it ran: one `error`. A
        shareable subscription follows its group (app/http/fanout.py)."""
        shared = sharing(self, query, variables, operation_name)
        if shared is not None:
            await self._follow(shared, operation_id, query, operation_name, variables)
            return
        try:
            results = await self.schema.stream(
                query=query,
                variable_values=variables,
                operation_name=operation_name,
                context_value=self.context,
                root_value=self.root_value,
                allowed_operation_types=ANY_OPERATION,
            )
            self.subscriptions[operation_id] = results
            first = True
            async for result in results:
                if first and isinstance(result, PreExecutionError):
                    assert result.errors
                    await self.send_message(
                        ErrorMessage(type="error", id=operation_id, payload=result.errors[0].formatted)
                    )
                    return
                first = False
                if isinstance(result, ExecutionResult):
                    await self.send_data_message(result, operation_id)
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except asyncio.CancelledError:
            await self.send_message(CompleteMessage(type="complete", id=operation_id))
        finally:
            self.subscriptions.pop(operation_id, None)
            self.tasks.pop(operation_id, None)

    async def _follow(
        self,
        shared: SharedOperation,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        run = Operation(self.schema, query, variables, operation_name, self.context)
        try:
            await fanout_of(self).follow(shared, run, LegacySink(self, operation_id))
        except asyncio.CancelledError:  # stopped: `complete`, as for an execution of its own
            with contextlib.suppress(Exception):
                await self.send_message(CompleteMessage(type="complete", id=operation_id))
        except WebSocketDisconnected:
            pass
        finally:
            self.tasks.pop(operation_id, None)
