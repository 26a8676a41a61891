"""A `spawnit` provider that outlives an engine: engines reattach to it
(`TF_REATTACH_PROVIDERS`) instead of starting the provider themselves, 3 to 5 times a job.

Two kinds. Drift checks share one per SpawnIt process: a check only reads (schema,
validate, plan, refresh), never creates a process, and that provider ignores
StopProvider (a canceled check must not stop the others'). Every other job gets one of
its own (`own=True`), which its engine commands share, which honours StopProvider (a
cancel stops a half-done create, as the engine's own provider did) and which is killed
when the job ends, however it ends. A provider runs in tf's dev mode (a unix socket in a
private temporary folder, no TLS: its folder is 0700), is started at the first engine
that needs it, again when it died (a crash, a kill), and dies with SpawnIt (PDEATHSIG).

`python -m app.localtarget.shared_provider [--own]` is the provider's side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.engine.command import launch
from app.engine.priority import ANY, EnginePriority
from app.engine.spawn import Started, Starter, spawn_with_output

log = logging.getLogger("spawnit.provider")
_ROOT = Path(__file__).resolve().parents[2]
_PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
READY_SECONDS = 60.0  # a provider that has not said where it listens by then is given up
_MARK = "TF_REATTACH_PROVIDERS="
_STOP_PROVIDER = "/tfplugin6.Provider/StopProvider"


class SharedProvider:
    """The parent's side: the reattach configuration of a live shared provider."""

    def __init__(
        self,
        *,
        priority: EnginePriority = ANY,
        own: bool = False,
        python: str = sys.executable,
        starter: Starter | None = None,
    ) -> None:
        self._priority, self._python, self._starter = priority, python, starter
        self._mode = ["--own"] if own else []  # one job's: StopProvider honoured
        self._proc: Started | None = None
        self._output: asyncio.ReadTransport | None = None
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
        module = [self._python, "-u", "-m", "app.localtarget.shared_provider", *self._mode]
        argv, prepare = launch(module, self._priority)
        self._proc, read_end = await spawn_with_output(
            argv, cwd=_ROOT, env=env, stderr_too=False, prepare=prepare, starter=self._starter
        )
        lines = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        pipe = os.fdopen(read_end, "rb", buffering=0)
        self._output, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(lines), pipe)
        while raw := await lines.readline():
            line = raw.decode(errors="replace").strip()
            if line.startswith("export ") and _MARK in line:
                config = line.split(_MARK, 1)[1].strip("'")
                _socket_of(config)  # ValueError if it is not what tf prints
                self._config = config
                return
        raise ValueError("the shared provider ended before it listened")

    async def _stop(self) -> None:
        proc, self._proc, self._config = self._proc, None, None
        output, self._output = self._output, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
        if proc is not None:
            await proc.wait()
        if output is not None:
            output.close()

    async def close(self, wait: float = 0.0) -> None:
        """Stop the provider. `wait`: it was told to stop (StopProvider, a cancel) and ends
        by itself once its creates gave up and stopped what they started; it gets that
        long for it before it is killed."""
        async with self._lock:
            if wait > 0 and self._proc is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._proc.wait(), wait)
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
    from app.localtarget.provider import SpawnitProvider, watch_for_stop

    interceptor = runner._ShutdownInterceptor
    if "--own" in sys.argv:
        # one job's: StopProvider (a cancel) stops its creates, then it; go-plugin's Shutdown
        # (an engine done with it) does not: the job's next engine reattaches
        watch_for_stop()
        stop = interceptor.intercept_service
        interceptor.intercept_service = lambda self, continuation, details: (
            stop(self, continuation, details) if details.method == _STOP_PROVIDER else continuation(details)
        )
    else:  # shared by several engines: a StopProvider from one of them stops nothing
        interceptor.intercept_service = lambda self, continuation, details: continuation(details)
    reuse_cached_cert()
    runner.run_provider(SpawnitProvider(), argv=[sys.argv[0], "--dev"])


if __name__ == "__main__":
    main()
