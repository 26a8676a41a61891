"""Killing the SpawnIt process mid-apply: the job becomes INTERRUPTED, the service can
be planned again. SpawnIt runs as a real `spawnit serve` process here."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

from tests.api.catalogs import with_slow_entry
from tests.api.client import Api
from tests.conftest import free_port
from tests.faults.serve import serve as serve_spawnit
from tests.server import stop_leftovers

LOGS = "subscription($id: ID!) { jobLogs(jobId: $id, fromLine: 0) { number text } }"


def serve(data_dir: Path, catalog_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return serve_spawnit(data_dir, port, log, catalog_dir=str(catalog_dir), cancel_grace_seconds="5")


def flushed(data_dir: Path, job_id: str, text: str) -> bool:
    """Whether the stored log of `job_id` (in the folder store: its chunks or archive) holds `text` yet."""
    return any(text in log.read_text(errors="replace") for log in data_dir.rglob(f"{job_id}.log*"))


async def test_killed_mid_apply_the_job_is_interrupted_and_the_service_plans_again(tmp_path: Path) -> None:
    data_dir, catalog_dir, log = tmp_path / "data", with_slow_entry(tmp_path), tmp_path / "serve.log"
    port = free_port()
    proc = serve(data_dir, catalog_dir, port, log)
    try:
        api = Api(f"http://127.0.0.1:{port}")
        service = await api.create("slow-site", "k", port=free_port())
        apply = await api.mutate_job("applyService", service["id"])
        async for item in api.subscribe(LOGS, id=apply["id"]):
            if "Creating..." in item["jobLogs"]["text"]:
                break
        while not flushed(data_dir, apply["id"], "Creating..."):  # until a log flush stored it
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

        proc = serve(data_dir, catalog_dir, port, log)
        job = await api.job(apply["id"])
        assert job["state"] == "INTERRUPTED", job
        assert job["finishedAt"] is not None and job["error"]
        lines = [l["text"] for l in await api.logs(apply["id"])]
        assert any("Creating..." in t for t in lines), "the log written before the crash was lost"
        assert "interrupted" in lines[-1]
        status = (await api.run("query($id: ID!) { service(id: $id) { status } }", id=service["id"]))["service"]
        assert status["status"] == "FAILED"
        plan = await api.wait_job((await api.mutate_job("planService", service["id"]))["id"])
        assert plan["state"] == "SUCCEEDED", plan
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        stop_leftovers(data_dir / "run")
