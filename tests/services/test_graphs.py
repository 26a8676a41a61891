"""The graph cache with an engine of our own seam (no engine, no server): concurrent askers
share one run, the cache keeps at most `KEPT` services, a failing engine is UNAVAILABLE
and not remembered, a job on the service draws anew."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import app.services.graphs as graphs_module
from app.engine import workdir as wd
from app.errors import Unavailable
from app.ids import new_id
from app.services.graphs import ServiceGraphs
from app.services.model import ServiceInfo
from app.settings import Settings

T0 = datetime(2030, 1, 1, tzinfo=UTC)
TENANT = new_id()
DOT = '"[root] box.a (expand)" -> "[root] provider[\\"x/y/z\\"]"\n'


class Command:
    def __init__(self, lines: list[str], rc: int, gate: asyncio.Event) -> None:
        self._lines, self.rc, self._gate = lines, rc, gate
        self.pid = 0

    async def lines(self) -> AsyncIterator[str]:
        await self._gate.wait()
        for line in self._lines:
            yield line

    async def wait(self) -> int:
        return self.rc

    def interrupt(self) -> None: ...

    def kill(self) -> None: ...


class Engine:
    name = "fake"

    def __init__(self) -> None:
        self.started: list[list[str]] = []
        self.lines, self.rc = [DOT], 0
        self.gate = asyncio.Event()
        self.gate.set()

    def fingerprint(self) -> str:
        return ""

    async def start(self, args: list[str], cwd: Path, env: Mapping[str, str]) -> Command:
        self.started.append(args)
        return Command(self.lines, self.rc, self.gate)


class Repo:
    def __init__(self, state: bytes | None = None) -> None:
        self._state = state

    async def state(self, info: ServiceInfo) -> bytes | None:
        return self._state


def service(settings: Settings) -> ServiceInfo:
    info = ServiceInfo(new_id(), TENANT, "s", "static-site", "local", {}, T0, T0, last_job_id=new_id(), user_seq=1)
    folder = settings.workdirs / TENANT / info.id
    (folder / ".terraform").mkdir(parents=True)
    wd.mark_initialized(folder, "hash")
    return info


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def graphs_of(engine: Engine, settings: Settings, state: bytes | None = None) -> ServiceGraphs:
    return ServiceGraphs(engine, settings, Repo(state))  # type: ignore[arg-type]


async def test_askers_at_once_share_one_run_and_a_job_draws_anew(settings: Settings) -> None:
    engine = Engine()
    engine.gate.clear()  # the run holds until every asker is waiting on it
    graphs = graphs_of(engine, settings)
    info = service(settings)
    asks = [asyncio.create_task(graphs.of(info)) for _ in range(10)]
    while len(engine.started) < 1:
        await asyncio.sleep(0)
    engine.gate.set()
    drawn = await asyncio.gather(*asks)
    assert engine.started == [["graph", "-type=plan"]] and all(g == drawn[0] for g in drawn)
    assert [n.id for n in drawn[0].nodes] == ["box.a", 'provider["x/y/z"]']
    await graphs.of(info)
    assert len(engine.started) == 1
    await graphs.of(dataclasses.replace(info, user_seq=2, last_job_id=new_id()))
    assert len(engine.started) == 2


async def test_the_cache_keeps_the_last_services_asked(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphs_module, "KEPT", 4)
    engine = Engine()
    graphs = graphs_of(engine, settings)
    infos = [service(settings) for _ in range(6)]
    for info in infos:
        await graphs.of(info)
    assert len(graphs._kept) == 4 and list(graphs._kept) == [i.id for i in infos[2:]]
    await graphs.of(infos[0])  # forgotten: drawn again
    assert len(engine.started) == 7 and len(graphs._kept) == 4


async def test_a_failing_engine_is_unavailable_and_not_remembered(settings: Settings) -> None:
    engine = Engine()
    graphs = graphs_of(engine, settings)
    info = service(settings)
    where = settings.workdirs.resolve() / TENANT / info.id
    engine.lines, engine.rc = [f"│ Error: Failed to load plugin schemas from {where}/.terraform", "│ more"], 1
    with pytest.raises(Unavailable, match="Failed to load plugin schemas") as refused:
        await graphs.of(info)
    assert str(settings.data_dir) not in refused.value.message and "from ./.terraform" in refused.value.message
    engine.lines, engine.rc = [DOT], 0
    assert len((await graphs.of(info)).nodes) == 2 and len(engine.started) == 2


async def test_a_service_never_laid_out_starts_no_engine(settings: Settings) -> None:
    engine = Engine()
    info: Any = ServiceInfo(new_id(), TENANT, "s", "static-site", "local", {}, T0, T0)
    graph = await graphs_of(engine, settings).of(info)
    assert graph.nodes == () and engine.started == []


async def test_an_api_replica_answers_the_state_alone_and_starts_no_engine(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    api_only = dataclasses.replace(settings, role="api")
    state = b'{"version": 4, "resources": [{"mode": "managed", "type": "box", "name": "a", "instances": [{}]}]}'
    engine = Engine()
    info = service(settings)  # laid out (by a worker on this disk, say): still not drawn here
    graph = await graphs_of(engine, api_only, state).of(info)
    assert [(n.id, n.instances) for n in graph.nodes] == [("box.a", 1)] and engine.started == []


async def test_while_a_job_runs_the_graph_drawn_before_it_is_kept(settings: Settings) -> None:
    engine = Engine()
    running: set[str] = set()
    graphs = ServiceGraphs(engine, settings, Repo(), busy=lambda service: service in running)  # type: ignore[arg-type]
    info = service(settings)
    before = await graphs.of(info)
    running.add(info.id)
    started = dataclasses.replace(info, user_seq=2)  # a job was submitted: the service's record moved
    assert await graphs.of(started) is before and len(engine.started) == 1
    running.clear()
    ended = dataclasses.replace(started, last_job_id=new_id())
    await graphs.of(ended)
    assert len(engine.started) == 2
