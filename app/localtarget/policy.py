"""Who may deploy on the `local` target: the operator's choice, `SPAWNIT_LOCAL_TARGET`.

A local service runs on SpawnIt's own host. With auth off there is one operator and that
is the point; with tenants it is a boundary that holds only inside the sandbox
(`sandbox.py`), and only when the operator asked for it:

- `off`: nobody deploys on local;
- `operator` (the default): only with auth off (the single local operator);
- `tenants`: with auth on too, and then only if the sandbox works on this host.

Plain functions the catalog's availability and `createService` both ask, so the two
never disagree. The message says what the operator must set.
"""

from __future__ import annotations

import logging
from typing import Literal

from app.catalog.model import Host
from app.localtarget.sandbox import sandbox_problem

log = logging.getLogger("spawnit")

LocalTargetMode = Literal["off", "operator", "tenants"]
LOCAL_TARGET_MODES: tuple[LocalTargetMode, ...] = ("off", "operator", "tenants")
TARGET = "local"


def local_target_refusal(mode: str, auth_enabled: bool, sandbox_problem: str | None) -> str | None:
    """None when the local target may be used, else why not (for people, naming the setting)."""
    if mode == "off":
        return "turned off on this SpawnIt (the operator set SPAWNIT_LOCAL_TARGET=off)"
    if not auth_enabled:
        return None
    if mode == "operator":
        return (
            "refused for tenants: it runs services on SpawnIt's own host, and the operator has not "
            "allowed that (SPAWNIT_LOCAL_TARGET=tenants, with bubblewrap installed, turns it on)"
        )
    if sandbox_problem is not None:
        return f"refused for tenants: the sandbox every tenant's local service runs in is unusable here ({sandbox_problem})"
    return None


class LocalTargetPolicy:
    """A `Host` (app/catalog/model.py) that is `host` except that the local target has the
    policy's refusal as its problem: the catalog's availability and createService's
    validation both say why, naming the setting."""

    def __init__(self, host: Host, refusal: str | None) -> None:
        self._host = host
        self.refusal = refusal

    def problem(self, target: str) -> str | None:
        if target == TARGET and self.refusal is not None:
            return self.refusal
        return self._host.problem(target)

    def installed(self, executable: str) -> bool:
        return self._host.installed(executable)


def local_policy(mode: str, auth_enabled: bool) -> str | None:
    """The refusal for this SpawnIt (None: local allowed), said loudly at start-up when
    local services would run without the sandbox."""
    refusal = local_target_refusal(mode, auth_enabled, sandbox_problem())
    if refusal is None and sandbox_problem() is not None:
        log.warning(
            "LOCAL SERVICES RUN UNSANDBOXED, with SpawnIt's own rights and its data folder in reach: %s",
            sandbox_problem(),
        )
    return refusal


def local_refusal(host: object, target: str) -> str | None:
    """The refusal `createService` answers FORBIDDEN with, when `host` carries the policy."""
    return host.refusal if target == TARGET and isinstance(host, LocalTargetPolicy) else None
