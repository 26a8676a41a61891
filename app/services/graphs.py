"""A service's resource graph: the engine's own (`graph -type=plan`, run in the service's
work directory through the `Engine` seam), with the resources its state holds.

Drawn on demand and cached by the service's last job (and its last user's job, so a
job that ended draws anew; while one runs, the graph drawn before it is kept): a dashboard asking again and again starts the
engine once per change of the service, not once per request. The cache keeps one graph
per service, the most recently asked `KEPT`; concurrent askers of the same graph share
one engine run, and at most `PARALLEL` runs draw at once.

A service whose work directory was never initialised (a DRAFT no job ran on: nothing has
laid its configuration out yet) has the graph of its state alone, which is empty: the
engine is not started. Plan it to see the configuration's graph. An API replica
(`SPAWNIT_ROLE=api`) has no engine and no work directories: it answers the graph of the
state alone too (the resources, the dependencies the engine recorded between them).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path

from app.engine import workdir as wd
from app.engine.backend import backend_for
from app.engine.base import Engine
from app.engine.graph import EMPTY, Graph, parse_dot, state_graph, with_state
from app.errors import Unavailable
from app.services.model import ServiceInfo
from app.services.repository import ServiceRepository
from app.settings import Settings

KEPT = 256  # services whose graph is cached
PARALLEL = 2  # engine runs drawing graphs at once
TIMEOUT_SECONDS = 60.0  # a graph taking longer is given up (and its engine killed)
MAX_LINES = 20000  # lines of the engine's output read


class ServiceGraphs:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        repo: ServiceRepository,
        busy: Callable[[str], bool] = lambda service: False,
    ) -> None:
        self._engine = engine
        self._busy = busy  # a job is queued or running on the service
        self._settings = settings
        self._repo = repo
        self._kept: OrderedDict[str, tuple[Hashable, Graph]] = OrderedDict()  # service -> (key, graph)
        self._drawing: dict[Hashable, asyncio.Task[Graph]] = {}
        self._slots = asyncio.Semaphore(PARALLEL)
        self.engine_runs = 0  # how many times the engine was started to draw one

    async def of(self, info: ServiceInfo) -> Graph:
        if info.broken is not None:
            return EMPTY
        key = (info.tenant, info.id, info.user_seq, info.last_job_id)
        kept = self._kept.get(info.id)
        if kept is not None and (kept[0] == key or self._busy(info.id)):
            # while a job runs on the service, the graph drawn before it (its work
            # directory is the job's, its state changing): drawn anew once the job ended
            self._kept.move_to_end(info.id)
            return kept[1]
        task = self._drawing.get(key)
        if task is None:
            task = asyncio.create_task(self._draw(info, key))
            self._drawing[key] = task
            task.add_done_callback(lambda done: self._drawn(key, done))
        # shielded: a caller that goes away does not stop the run the others wait on
        return await asyncio.shield(task)

    def _drawn(self, key: Hashable, task: asyncio.Task[Graph]) -> None:
        self._drawing.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved: every asker that went away leaves no warning behind

    async def _draw(self, info: ServiceInfo, key: Hashable) -> Graph:
        workdir = self._settings.workdirs.resolve() / info.tenant / info.id
        state = await self._repo.state(info)
        if self._settings.role == "api" or not wd.initialized(workdir):
            graph = state_graph(state)  # no configuration laid out here: what the state holds
        else:
            async with self._slots:
                graph = with_state(parse_dot(await self._engine_graph(info, workdir)), state)
        self._kept[info.id] = (key, graph)
        self._kept.move_to_end(info.id)
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return graph

    async def _engine_graph(self, info: ServiceInfo, workdir: Path) -> str:
        """The engine's DOT output; Unavailable if it fails or takes too long."""
        self.engine_runs += 1
        backend = backend_for(self._settings, info.tenant, info.id)
        with wd.credentials_in(workdir, backend):  # the state's credentials, for the engine's backend only
            return await self._run_graph(workdir, backend.env)

    async def _run_graph(self, workdir: Path, env: Mapping[str, str]) -> str:
        command = await self._engine.start(["graph", "-type=plan"], workdir, env)
        lines: list[str] = []
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS):
                async for line in command.lines():
                    if len(lines) < MAX_LINES:
                        lines.append(line)
                rc = await command.wait()
        except TimeoutError:
            raise Unavailable(f"the engine took longer than {TIMEOUT_SECONDS:.0f} s to draw the graph") from None
        finally:
            command.kill()  # a no-op once it exited
            with contextlib.suppress(ProcessLookupError):
                await command.wait()
        if rc != 0:
            said = next((line.strip("│ ").strip() for line in lines if "Error:" in line), f"exit code {rc}")
            said = said.replace(str(workdir), ".").replace(str(self._settings.data_dir), "<data>")  # no server paths
            raise Unavailable(f"the engine could not draw the graph of this service: {said[:300]}")
        return "\n".join(lines)
