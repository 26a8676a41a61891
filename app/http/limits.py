"""Limits on what a request may carry: its body's size (413), its JSON's nesting depth
(400 over HTTP), a websocket message's size (closed with 1009, never parsed)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 64  # far more than any request of this API nests; graphql-core recurses on it
TOO_BIG = 1009  # websocket close code: message too big
BAD_DATA = 1007  # websocket close code: invalid payload data


class TooDeep(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def load_json(data: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> object:
    """json.loads, refusing documents nested deeper than `max_depth` (json.JSONDecodeError
    for what is not JSON, TooDeep for what nests too deep)."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise TooDeep(max_depth) from None
    if depth_over(value, max_depth):
        raise TooDeep(max_depth)
    return value


def depth_over(value: object, limit: int) -> bool:
    """Whether containers nest deeper than `limit` (iterative: no recursion to blow)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


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
