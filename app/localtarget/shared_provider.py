"""One `spawnit` provider per SpawnIt process that drift checks' engines reattach to
(`TF_REATTACH_PROVIDERS`), instead of each engine starting the provider 3 times per plan.

A drift check only reads (schema, validate, plan, refresh): it never creates a process, so
a provider the engine does not own is safe for it (a job that creates keeps its own
provider, which a cancel stops and a kill takes down with the engine). The shared one runs
in tf's dev mode (a unix socket in a private temporary folder, no TLS: its folder is
0700) and ignores StopProvider (a canceled check must not stop the others' provider).
It is started at the first check, started again when it died (a crash, a kill), and
stopped with SpawnIt (and dies with it: PDEATHSIG).

`python -m app.localtarget.shared_provider` is the provider's side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.engine.command import launch
from app.engine.priority import ANY, EnginePriority

log = logging.getLogger("spawnit.provider")
_ROOT = Path(__file__).resolve().parents[2]
_PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
READY_SECONDS = 60.0  # a provider that has not said where it listens by then is given up
_MARK = "TF_REATTACH_PROVIDERS="


class SharedProvider:
    """The parent's side: the reattach configuration of a live shared provider."""

    def __init__(self, *, priority: EnginePriority = ANY, python: str = sys.executable) -> None:
        self._priority, self._python = priority, python
        self._proc: asyncio.subprocess.Process | None = None
        self._config: str | None = None
        self._env: dict[str, str] | None = None
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    async def reattach(self, env: Mapping[str, str]) -> str | None:
        """TF_REATTACH_PROVIDERS for an engine with `env` (its SPAWNIT_LOCAL_* settings),
        the provider started (again) if needed; None when it cannot start (the engine
        then starts its own)."""
        wanted = {k: v for k, v in env.items() if k.startswith("SPAWNIT_LOCAL_")}
        async with self._lock:
            if not self._alive() or wanted != self._env:
                await self._stop()
                try:
                    await asyncio.wait_for(self._start(wanted), READY_SECONDS)
                except (OSError, TimeoutError, ValueError):
                    log.warning("the shared local provider did not start: engines start their own", exc_info=True)
                    await self._stop()
            return self._config

    def _alive(self) -> bool:
        if self._proc is None or self._proc.returncode is not None or self._config is None:
            return False
        try:
            return os.path.exists(_socket_of(self._config)) and _running(self._proc.pid)
        except (ValueError, KeyError):
            return False

    async def _start(self, wanted: dict[str, str]) -> None:
        env = {k: os.environ[k] for k in _PASSED if k in os.environ}
        env.update(wanted, PYTHONPATH=str(_ROOT))
        self._env = wanted
        argv, prepare = launch([self._python, "-u", "-m", "app.localtarget.shared_provider"], self._priority)
        self._proc = await asyncio.create_subprocess_exec(
            *argv,
            env=env,
            cwd=str(_ROOT),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=prepare,
        )
        assert self._proc.stdout is not None
        while raw := await self._proc.stdout.readline():
            line = raw.decode(errors="replace").strip()
            if line.startswith("export ") and _MARK in line:
                config = line.split(_MARK, 1)[1].strip("'")
                _socket_of(config)  # ValueError if it is not what tf prints
                self._config = config
                return
        raise ValueError("the shared provider ended before it listened")

    async def _stop(self) -> None:
        proc, self._proc, self._config = self._proc, None, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def close(self) -> None:
        async with self._lock:
            await self._stop()


def _socket_of(config: str) -> str:
    entries: dict[str, Any] = json.loads(config)
    (entry,) = entries.values()
    return str(entry["Addr"]["String"])


def _running(pid: int) -> bool:
    """Alive and not a zombie (kill(pid, 0) succeeds on a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != b"Z"


def main() -> None:  # pragma: no cover - the provider's process
    from tf import runner

    from app.localtarget.certs import reuse_cached_cert
    from app.localtarget.provider import SpawnitProvider

    # shared by several engines: a StopProvider from one of them stops nothing
    runner._ShutdownInterceptor.intercept_service = lambda self, continuation, details: continuation(details)
    reuse_cached_cert()
    runner.run_provider(SpawnitProvider(), argv=[sys.argv[0], "--dev"])


if __name__ == "__main__":
    main()
