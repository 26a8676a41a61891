"""Refuse requests that name another site (DNS rebinding) and websockets opened by
pages of origins that were not allowed.

With auth off SpawnIt serves one operator on loopback: any web page that operator opens
could otherwise point a name of its own at 127.0.0.1 and drive the API. So a request
must name SpawnIt by a loopback name and the port it listens on, or by a host the
operator listed (`SPAWNIT_ALLOWED_HOSTS`); a websocket's `Origin`, when there is one,
must be the origin of the host it names or one of `SPAWNIT_CORS_ORIGINS`. With auth on
the host check applies when `SPAWNIT_ALLOWED_HOSTS` is set (loopback names still pass:
a local health check keeps working, and no rebound page can send them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.limits import BodyLimit
from app.settings import Settings

log = logging.getLogger("spawnit.web")

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def normalize_origin(origin: str) -> str:
    """`scheme://host[:port]`, lower case, default ports left out."""
    parts = urlsplit(origin.strip().lower())
    if not parts.scheme or not parts.hostname:
        return origin.strip().lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        return origin.strip().lower()
    default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def split_host(value: str) -> tuple[str, int | None]:
    """`name[:port]` of a Host header (brackets kept on an IPv6 address)."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return value, None
        name, rest = value[: end + 1], value[end + 1 :]
    elif value.count(":") == 1:
        name, _, port = value.partition(":")
        rest = ":" + port
    else:
        name, rest = value, ""
    if rest.startswith(":") and rest[1:].isdigit():
        return name, int(rest[1:])
    return name, None if not rest else -1


class HostPolicy:
    """Which Host headers and websocket origins are SpawnIt's own."""

    def __init__(self, allowed_hosts: Iterable[str], cors_origins: Iterable[str], always: bool) -> None:
        """`always`: check hosts even when none is listed (auth off). Loopback names on
        the port served are always SpawnIt's: a rebound page cannot send them."""
        self.any_host = False
        self.hosts: set[tuple[str, int | None]] = set()
        for entry in allowed_hosts:
            entry = entry.strip().lower()
            if entry == "*":
                self.any_host = True
            elif entry:
                self.hosts.add(split_host(entry))
        self.check_hosts = (always or bool(self.hosts)) and not self.any_host
        self.origins = {normalize_origin(o) for o in cors_origins if o.strip()}

    def host_allowed(self, host: str | None, scheme: str, server_port: int | None) -> bool:
        if not self.check_hosts:
            return True
        if not host:
            return False
        name, port = split_host(host)
        if port == -1:
            return False
        if port is None:
            port = 443 if scheme in ("https", "wss") else 80
        if name in LOOPBACK_NAMES and port == server_port:
            return True
        return (name, port) in self.hosts or (name, None) in self.hosts

    def origin_allowed(self, origin: str, host: str | None, scheme: str) -> bool:
        wanted = normalize_origin(origin)
        if wanted in self.origins:
            return True
        if not host:
            return False
        secure = scheme in ("https", "wss")
        own = normalize_origin(("https://" if secure else "http://") + host)
        return wanted == own


class HostGuard:
    """ASGI middleware: 421 for a Host that is not SpawnIt's, and a websocket handshake
    refused (HTTP 403) for a Host or an Origin that is not allowed."""

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or ()}
        host = headers.get("host")
        server = scope.get("server") or (None, None)
        scheme = scope.get("scheme", "http")
        refusal = None
        if not self.policy.host_allowed(host, scheme, server[1]):
            refusal = f"host {host!r} is not served here: use the address SpawnIt listens on, or list it in SPAWNIT_ALLOWED_HOSTS"
        elif scope["type"] == "websocket" and "origin" in headers:
            if not self.policy.origin_allowed(headers["origin"], host, scheme):
                refusal = f"origin {headers['origin']!r} is not allowed: list it in SPAWNIT_CORS_ORIGINS"
        if refusal is None:
            await self.app(scope, receive, send)
            return
        log.warning("refused a %s request: %s", scope["type"], refusal)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": "forbidden"})  # before accept: 403
            return
        body = json.dumps({"errors": [{"message": refusal, "extensions": {"code": "FORBIDDEN"}}]}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 421,  # Misdirected Request: only the Host is checked on plain HTTP
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def edge_middleware(settings: Settings) -> list[Middleware]:
    """The HTTP edge, outermost first: Host/Origin guard, CORS for the listed origins,
    the body size cap."""
    policy = HostPolicy(settings.allowed_hosts, settings.cors_origins, always=not settings.auth_enabled)
    stack = [Middleware(HostGuard, policy=policy)]
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=sorted(policy.origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type", "accept"],
                max_age=600,
            )
        )
    stack.append(Middleware(BodyLimit, limit=settings.max_body_bytes))
    return stack
