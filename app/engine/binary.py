"""Which engine runs: `tofu` on PATH, else `terraform`, else the embedded one."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass

from app.errors import Unavailable


@dataclass(frozen=True)
class EngineBinary:
    name: str  # "tofu", "terraform" or "embedded"
    argv: tuple[str, ...]  # the command to which the engine's arguments are appended


def embedded() -> EngineBinary:
    return EngineBinary("embedded", (sys.executable, "-m", "app.engine.embedded"))


def select_engine(kind: str) -> EngineBinary:
    if kind == "embedded":
        return embedded()
    if kind in ("tofu", "terraform"):
        path = shutil.which(kind)
        if path is None:
            raise Unavailable(f"SPAWNIT_ENGINE={kind} but no `{kind}` on PATH")
        return EngineBinary(kind, (path,))
    for name in ("tofu", "terraform"):
        path = shutil.which(name)
        if path is not None:
            return EngineBinary(name, (path,))
    return embedded()
