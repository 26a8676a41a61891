"""SIGTERM of `spawnit serve` while a job's engine is frozen (SIGSTOP: it ignores the
SIGINT SpawnIt sends): the server interrupts, then kills the engine, records the job
INTERRUPTED and ends within the grace period, leaving no engine behind."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import time
from pathlib import Path

from tests.api.catalogs import with_slow_entry
from tests.api.client import Api
from tests.api.test_jobs import applying_slowly
from tests.conftest import free_port
from tests.faults.engines import alive, freeze, one_engine_of
from tests.faults.serve import serve
from tests.server import stop_leftovers

GRACE = 2


def group_members(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
                if int(fields[3]) == pgid and fields[0] != b"Z":
                    found.append(int(entry.name))
    return found


async def test_sigterm_with_a_frozen_engine_kills_it_and_records_the_job_interrupted(tmp_path: Path) -> None:
    data_dir, port, log = tmp_path / "data", free_port(), tmp_path / "serve.log"
    proc = serve(data_dir, port, log, catalog_dir=str(with_slow_entry(tmp_path)), cancel_grace_seconds=str(GRACE))
    try:
        api = Api(f"http://127.0.0.1:{port}")
        tenant = (await api.run("{ me { tenantId } }"))["me"]["tenantId"]
        service, apply = await applying_slowly(api)
        engine = await one_engine_of(proc.pid)
        freeze(engine)
        queued = await api.mutate_job("planService", service["id"])
        assert queued["state"] == "QUEUED"
        proc.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        # the bound only turns a hang into a failure: it ends about GRACE seconds later
        try:
            proc.wait(GRACE + 30)
        except subprocess.TimeoutExpired:
            raise AssertionError("spawnit serve did not end after SIGTERM") from None
        print(f"spawnit serve ended {time.monotonic() - sent:.1f}s after SIGTERM (grace {GRACE}s)")  # a figure
        assert not alive(engine), "the frozen engine outlived the server"
        assert not group_members(engine), "processes the engine started outlived the server"
        jobs = data_dir / "store" / "clients" / tenant / service["id"] / "jobs"
        job = json.loads((jobs / f"{apply['id']}.json").read_text())
        assert job["state"] == "INTERRUPTED", job
        assert job["forced"] is True and job["finished_at"], job
        waiting = json.loads((jobs / f"{queued['id']}.json").read_text())
        assert waiting["state"] == "INTERRUPTED" and waiting["started_at"] is None, waiting
        assert "Traceback" not in log.read_text(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stop_leftovers(data_dir / "run")  # the service's own process (not an engine) it was starting
