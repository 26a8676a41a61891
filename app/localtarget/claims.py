"""Ports of this host, claimed by `local` services: one service per port, whoever owns it.

A local service listens on its ports on SpawnIt's own host, so two services (of one
tenant or two) on one port cannot both run: the second's process dies on
"address in use" while the first one answers in its place. The claim is checked where a
service gets or changes its ports (create, update, apply), under one lock, against every
service this process knows: the second claim is refused, naming the port. A service
holds its ports from its creation until it is destroyed or deleted.

The provider checks again on the host itself (bind check before start, and the socket
listening must be its own process's), which also covers other SpawnIt replicas and
programs that are not SpawnIt's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from app.errors import Conflict

TARGET = "local"
Render = Callable[[Any], dict[str, Any]]


def ports_of(tfvars: Mapping[str, Any]) -> set[int]:
    ports = tfvars.get("ports") or []
    return {int(p) for p in ports if isinstance(p, int | float) and not isinstance(p, bool)}


def holds_ports(info: Any) -> bool:
    """A local service holds its ports until a destroy of it succeeded."""
    destroyed = getattr(info, "last_operation", None) == "DESTROY" and not getattr(info, "last_operation_failed", False)
    return bool(getattr(info, "target", None) == TARGET and not destroyed)


def check_ports(info: Any, tfvars: Mapping[str, Any], others: Iterable[Any], render: Render, creating: bool) -> None:
    """Raise CONFLICT when another service holding ports holds one of `info`'s (a local
    service's, rendered as `tfvars`). `creating`: at create or update, where a service that
    is destroyed claims nothing; at apply it claims its ports again."""
    if info.target != TARGET or (creating and not holds_ports(info)):
        return
    wanted = ports_of(tfvars)
    if not wanted:
        return
    for other in others:
        if other.id == info.id or not holds_ports(other):
            continue
        try:
            taken = wanted & ports_of(render(other))
        except Exception:  # an entry gone from the catalog: its ports are unknown, not ours to judge
            continue
        if taken:
            raise Conflict(
                f"variables.port: port {min(taken)} on this host is already claimed by another service; "
                "pick another port (a port is freed when its service is destroyed or deleted)",
                field="port",
            )


class PortClaims:
    """Check and save as one (one lock for this process): two creates racing for a port
    cannot both win."""

    def __init__(self, services: Callable[[], Iterable[Any]], render: Render) -> None:
        self._services = services
        self._render = render
        self._lock = asyncio.Lock()

    async def save(self, info: Any, save: Callable[[Any, dict[str, Any]], Awaitable[None]]) -> None:
        """`save(info, tfvars)` once `info`'s ports are known to be free (create, update)."""
        tfvars = self._render(info)
        async with self._lock:
            check_ports(info, tfvars, self._services(), self._render, creating=True)
            await save(info, tfvars)

    async def check_apply(self, info: Any) -> None:
        """Before an apply: a destroyed service takes its ports back only if still free.
        A service that does not render (a broken record) is left to the apply's own checks."""
        try:
            tfvars = self._render(info)
        except Exception:
            return
        async with self._lock:
            check_ports(info, tfvars, self._services(), self._render, creating=False)
