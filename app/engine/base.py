"""The `Engine` seam the job runner sees."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol


class RunningCommand(Protocol):
    @property
    def pid(self) -> int: ...

    def lines(self) -> AsyncIterator[str]: ...

    def stamped(self) -> AsyncIterator[tuple[datetime, str]]:
        """The output lines with the time each was read from the engine."""
        ...

    async def wait(self) -> int: ...

    def interrupt(self) -> None: ...

    def kill(self) -> None: ...


class Engine(Protocol):
    name: str

    def fingerprint(self) -> str:
        """What, besides the work directory, decides whether `init` must run again."""

    async def start(self, args: list[str], cwd: Path, env: Mapping[str, str]) -> RunningCommand: ...


class ProviderHost(Protocol):
    """Providers that outlive an engine: one shared by drift checks (they only read), one
    for each other job, shared by its engine commands and closed when the job ends."""

    async def reattach(self, env: Mapping[str, str]) -> str | None:
        """The TF_REATTACH_PROVIDERS value for an engine with `env`, or None (it starts its own)."""
        ...

    async def close(self, wait: float = 0.0) -> None:
        """Stop them; `wait`: seconds a provider told to stop gets to end by itself first."""
