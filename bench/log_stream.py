"""3. Log streaming: a job whose engine prints 10,000 lines, followed by 1, 100 and 1,000
`jobLogs` subscribers at once; per line, the time from its birth to a subscriber.

The lines come out of the engine: a bench-only target (`bench`, in a copy of modules/)
whose one `terraform_data` resource runs a `local-exec` provisioner (interpreter
python3, no shell) that prints `line <i> <time.time_ns()>`. The engine turns each output
line into a `provision_progress` JSON event; SpawnIt keeps its `@message`
(`terraform_data.lines: (local-exec): line 17 1795…`) as a log line and stamps `at` when
it reads the line from the engine's stdout. So, per line and subscriber:
- end to end = subscriber receive time − the provisioner's timestamp in the text;
- SpawnIt hop = receive time − `at` (SpawnIt read it → the subscriber got it);
- engine hop = `at` − the provisioner's timestamp (the engine's own `@timestamp` does
  not reach the API: LogLine carries `@message` only).
The provisioner waits for a gate file until every subscription has received its first
(replayed) line, so all subscribers are live before line 0; it then prints at a fixed
rate. Subscribers run in a separate process (multiprocessing, spawn), on several
websocket connections of up to 100 subscriptions each.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import multiprocessing
import re
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.client import Api, Ws
from bench.report import Report, Section, ms, progress, table, verdict
from bench.serving import bench_settings, serving
from bench.slow_readers import slow_body, slow_round
from bench.stats import Stats

RATE = 1000  # lines per second printed by the engine
ALL_LINES = False  # 10,000 lines at 1,000 subscribers too (`--all-lines`: about half an hour)
ENTRY = "log-lines"
TEMPLATE = {
    "fields": [
        {"name": "lines", "type": "integer", "default": 10000, "min": 1, "max": 1000000, "description": "Lines."},
        {
            "name": "rate",
            "type": "integer",
            "default": 1000,
            "min": 0,
            "max": 1000000,
            "description": "Lines per second (0: as fast as possible).",
        },
        {"name": "pad", "type": "integer", "default": 0, "min": 0, "max": 100000, "description": "Line width."},
        {
            "name": "gate",
            "type": "string",
            "default": "",
            "max": 4000,
            "description": "A file to wait for before the first line.",
        },
    ],
    "targets": {
        "bench": {
            "requires": ["python3"],
            "variables": {"lines": "{{lines}}", "rate": "{{rate}}", "gate": "{{gate}}", "pad": "{{pad}}"},
        }
    },
}
MODULE = r"""
variable "service_id" { type = string }
variable "service_name" { type = string }
variable "lines" { type = number }
variable "rate" { type = number }
variable "gate" { type = string }
variable "pad" { type = number }

resource "terraform_data" "lines" {
  triggers_replace = [timestamp()] # every apply prints again
  provisioner "local-exec" {
    interpreter = ["python3", "-c"]
    command     = <<-PY
      import os, time
      gate, lines, rate, pad = ${jsonencode(var.gate)}, ${var.lines}, ${var.rate}, ${var.pad}
      while gate and not os.path.exists(gate):
          time.sleep(0.005)
      start = time.time_ns()
      for i in range(lines):
          if rate:
              delay = (start + i * 1e9 / rate - time.time_ns()) / 1e9
              if delay > 0:
                  time.sleep(delay)
          print(f"line {i} {time.time_ns()} ".ljust(pad, "x"), flush=True)
    PY
  }
}
"""
LINE = re.compile(r"\(local-exec\): line (\d+) (\d+)\s*x*$")
FIELDS = ("jobLogs", "jobLogBatches")  # one line per message; consecutive lines per message
QUERY = "subscription($id: ID!) {{ {field}(jobId: $id, fromLine: 0) {{ number text at }} }}"


def bench_catalog(tmp: Path, base_catalog: Path, base_modules: Path) -> tuple[Path, Path]:
    """A copy of the catalog with the `log-lines` entry, and of modules/ with `bench`."""
    catalog, modules = tmp / "catalog", tmp / "modules"
    shutil.copytree(base_catalog, catalog)
    doc = json.loads((catalog / "catalog.json").read_text())
    doc["entries"].append({"id": ENTRY, "name": "Log lines", "description": "Prints lines.", "template": ENTRY})
    (catalog / "catalog.json").write_text(json.dumps(doc))
    (catalog / "templates" / f"{ENTRY}.template.tfvars.json").write_text(json.dumps(TEMPLATE))
    shutil.copytree(base_modules, modules)
    (modules / "bench" / "instance").mkdir(parents=True)
    (modules / "bench" / "instance" / "main.tf").write_text(MODULE)
    return catalog, modules


# -- the subscribers' process ----------------------------------------------------------


def subscribers(ws_url: str, job_id: str, count: int, field: str, conn: Any) -> None:
    """Entry point of the client process: `count` subscriptions to `field`; sends "ready"
    once all got a first line, then the latencies (bytes of array('d'), ms) when all ended."""
    asyncio.run(_subscribe(ws_url, job_id, count, field, conn))


async def _subscribe(ws_url: str, job_id: str, count: int, field: str, conn: Any) -> None:
    per = 100
    total = array.array("d")
    hop = array.array("d")
    engine: dict[int, float] = {}
    parsed: dict[int, tuple[int, int] | None] = {}  # line number -> (birth ns, at ns), parsed once
    started, done = set(), asyncio.Event()
    ended: set[int] = set()
    received = [0]
    errors = [0]

    def handler_for(k: int):  # noqa: ANN202
        def handle(kind: str, payload: Any, at_ns: int) -> None:
            if kind == "next" and not payload.get("errors"):
                lines = payload["data"][field]
                for line in lines if isinstance(lines, list) else (lines,):
                    n = line["number"]
                    known = parsed.get(n, False)
                    if known is False:
                        m = LINE.search(line["text"])
                        known = None
                        if m:
                            birth = int(m.group(2))
                            at = int(datetime.fromisoformat(line["at"]).timestamp() * 1e9)
                            known = (birth, at)
                            engine[n] = (at - birth) / 1e6
                        parsed[n] = known
                    if known is not None:
                        total.append((at_ns - known[0]) / 1e6)
                        hop.append((at_ns - known[1]) / 1e6)
                        received[0] += 1
                started.add(k)
                if len(started) == count and not ready_sent[0]:
                    ready_sent[0] = True
                    conn.send("ready")
            else:  # complete, error, or a `next` carrying errors
                errors[0] += kind != "complete"
                ended.add(k)
                if len(ended) == count:
                    done.set()

        return handle

    ready_sent = [False]
    conns = [await Ws.open(ws_url) for _ in range((count + per - 1) // per)]
    for k in range(count):
        await conns[k // per].subscribe(QUERY.format(field=field), {"id": job_id}, handler_for(k))
    await done.wait()
    for ws in conns:
        await ws.close()
    conn.send((total.tobytes(), hop.tobytes(), list(engine.values()), received[0], errors[0]))
    conn.close()


# -- the scenario ------------------------------------------------------------------------


JOB_TIMES = "query($id: ID!) { job(id: $id) { state finishedAt logs(fromLine: 0, limit: null) { text } } }"


async def job_times(api: Api, job_id: str) -> dict[str, Any]:
    """The job's state, and from its log: when the provisioner printed its first and
    last line, and the job's end, relative to the first line (s)."""
    job = (await api.run(JOB_TIMES, id=job_id))["job"]
    births = [int(m.group(2)) for line in job["logs"] if (m := LINE.search(line["text"]))]
    end = datetime.fromisoformat(job["finishedAt"]).timestamp() * 1e9
    first = births[0] if births else end
    return {
        "state": job["state"],
        "printed": (births[-1] - first) / 1e9 if births else 0.0,
        "ended": (end - first) / 1e9,
    }


async def one_round(api: Api, service: str, gate: Path, count: int, field: str, timeout: float) -> dict[str, Any]:
    gate.unlink(missing_ok=True)
    job_id = await api.submit("applyService", service)
    if count == 0:  # the job alone: no follower
        gate.touch()
        ws = await Ws.open(api.ws_url)
        try:
            await ws.wait_job(job_id, timeout)
        finally:
            await ws.close()
        empty = Stats.of([])
        return {
            "count": 0,
            "field": "none",
            "total": empty,
            "hop": empty,
            "engine": empty,
            "received": 0,
            "errors": 0,
            "wall": 0.0,
            **await job_times(api, job_id),
        }
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=subscribers, args=(api.ws_url, job_id, count, field, child), daemon=True)
    proc.start()
    try:
        if not await asyncio.to_thread(parent.poll, 120):
            raise RuntimeError("subscribers not ready within 120 s")
        assert await asyncio.to_thread(parent.recv) == "ready"
        t0 = time.perf_counter()
        gate.touch()
        if not await asyncio.to_thread(parent.poll, timeout):
            raise RuntimeError(f"subscribers not done within {timeout:.0f} s")
        total_b, hop_b, engine, received, errors = await asyncio.to_thread(parent.recv)
        wall = time.perf_counter() - t0
    finally:
        gate.touch()  # a round cut short still lets the provisioner finish
        proc.join(10)
        if proc.is_alive():
            proc.kill()
    total, hop = array.array("d"), array.array("d")
    total.frombytes(total_b)
    hop.frombytes(hop_b)
    return {
        "count": count,
        "field": field,
        "total": Stats.of(total),
        "hop": Stats.of(hop),
        "engine": Stats.of(engine),
        "received": received,
        "errors": errors,
        "wall": wall,
        **await job_times(api, job_id),
    }


def plan(quick: bool) -> list[tuple[int, int, int, str]]:
    """(subscribers, lines, lines/s, subscription) per row, each measured with the
    fan-out on and off (A/B, alternating). At 1,000 `jobLogs` subscribers without the
    fan-out 10,000 lines take about half an hour: 1,000 unless ALL_LINES (`--all-lines`)."""
    if quick:
        return [
            (0, 300, RATE, "none"),
            (1, 300, RATE, "jobLogs"),
            (10, 200, 100, "jobLogs"),
            (50, 300, RATE, "jobLogBatches"),
            (50, 300, RATE, "jobLogs"),
        ]
    crowd = 10000 if ALL_LINES else 1000
    return [
        (0, 1000, RATE, "none"),
        (1, 10000, RATE, "jobLogs"),
        (100, 1000, 100, "jobLogs"),
        (1000, crowd, RATE, "jobLogBatches"),
        (1000, crowd, RATE, "jobLogs"),
    ]


SIDES = (("fan-out", True), ("per subscriber (before)", False))


async def run(report: Report, quick: bool, tmp: Path) -> None:
    base = bench_settings(tmp / "data")
    catalog, modules = bench_catalog(tmp, base.catalog_dir, base.modules_dir)
    results = []
    async with contextlib.AsyncExitStack() as stack:
        apis = []
        for name, fanout in SIDES:
            settings = bench_settings(
                tmp / f"data-{fanout}", catalog_dir=catalog, modules_dir=modules, ws_fanout=fanout
            )
            srv = await stack.enter_async_context(serving(settings))
            apis.append((name, await stack.enter_async_context(Api(srv.url)), tmp / f"gate-{fanout}"))
        for count, lines, rate, field in plan(quick):
            for name, api, gate in apis:
                progress(f"{lines} lines at {rate}/s, {count} {field} subscriber(s), {name}")
                variables = {"lines": lines, "rate": rate, "gate": str(gate)}
                service = await api.create(ENTRY, "bench", f"lines-{count}-{field}-{rate}", variables)
                row = await one_round(api, service, gate, count, field, timeout=3600)
                results.append({**row, "lines": lines, "rate": rate, "side": name})
        slow = [await slow_round(api, gate, name, quick) for name, api, gate in apis[:1]]  # the fan-out side only
    report.add(Section("3. Log streaming latency", body(results)))
    report.add(Section("3b. Subscribers that never read", slow_body(slow)))


def body(results: list[dict]) -> str:
    """The section's markdown: a row per round and notes."""
    rows = []
    for r in results:
        t, h = r["total"], r["hop"]
        expected = r["count"] * r["lines"]
        rows.append(
            (
                f"`{r['field']}`" if r["count"] else "no follower",
                r["side"],
                r["count"],
                f"{r['lines']:,} at {r['rate']:,}/s",
                f"{r['received']:,}",
                f"{expected - r['received']:,}",
                ms(t.median),
                ms(t.p99),
                ms(h.p99),
                ms(r["engine"].p99),
                f"{r['printed']:.2f} s",
                f"{r['ended']:.2f} s",
                f"{r['received'] / r['wall']:,.0f}" if r["wall"] else "–",
                r["errors"],
                r["state"],
            )
        )
    text = table(
        (
            "subscription",
            "server",
            "subscribers",
            "lines",
            "lines received (all subs)",
            "lines lost",
            "end to end p50",
            "end to end p99",
            "SpawnIt hop p99",
            "engine hop p99",
            "job: first → last line printed",
            "job: first line → job ended",
            "delivered lines/s",
            "errors",
            "job",
        ),
        rows,
    )
    goals = _goals(results)
    text += (
        "\n\nEach row twice, A/B in turn: `fan-out` (SPAWNIT_WS_FANOUT=true: identical subscriptions share "
        "one execution and one serialised payload) and `per subscriber` (false: one GraphQL execution per "
        "subscriber and message, as before). The provisioner prints the lines at the given rate. End to end = "
        "subscriber receive − the provisioner's timestamp in the line; SpawnIt hop = receive − LogLine.at (when "
        "SpawnIt's reader thread read the line from the engine's output); engine hop = at − provisioner "
        "timestamp. Lines lost = subscribers × lines − lines received. Job columns, from the job's own log: "
        "the provisioner's first to last line (a throttled engine prints late) and the first line to the job's "
        "end (`no follower`: the same job without any subscriber). Delivered lines/s = lines received by all "
        "subscribers / time from the gate to the last subscription's end. "
        "Goals (issue 13), fan-out side: " + (goals or "not measured in quick mode") + "."
    )
    return text


GOALS = (  # (subscribers, subscription, lines/s, p99 goal in ms)
    (1, "jobLogs", RATE, 20.0),
    (100, "jobLogs", 100, 100.0),
    (1000, "jobLogBatches", RATE, 1000.0),
)
WALL_GOAL = 1.1  # job wall time with 1,000 `jobLogBatches` followers / with none


def _goals(results: list[dict]) -> str:
    """Each goal's verdict from the fan-out rows of a full run ("" in quick mode)."""
    fan = [r for r in results if r["side"] == SIDES[0][0]]
    out = []
    for count, field, rate, goal in GOALS:
        row = next((r for r in fan if (r["count"], r["field"], r["rate"]) == (count, field, rate)), None)
        if row is not None:
            out.append(f"`{field}` × {count:,} p99 ≤ {goal:,.0f} ms {verdict(row['total'].p99 <= goal)}")
    alone = next((r for r in fan if r["count"] == 0), None)
    crowd = next((r for r in fan if (r["count"], r["field"]) == (1000, "jobLogBatches")), None)
    if alone is not None and crowd is not None:
        share = crowd["ended"] / alone["ended"]
        out.append(f"wall time with 1,000 followers ≤ {WALL_GOAL}× ({share:.2f}×) {verdict(share <= WALL_GOAL)}")
    return ", ".join(out)
