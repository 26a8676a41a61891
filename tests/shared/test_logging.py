"""`SPAWNIT_LOG_FORMAT=json` on a real `spawnit serve`: its stderr is one JSON object per
line, and the lines written while a job works name the job and its service (text format:
the same ids in brackets)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.api.client import Api
from tests.support import free_port, server_process, spawnit_serve

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, fmt: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPAWNIT_")}
    return {
        **env,
        "SPAWNIT_DATA_DIR": str(tmp_path / "data"),
        "SPAWNIT_ENGINE": "embedded",
        "SPAWNIT_DRIFT_INTERVAL_SECONDS": "0",
        "SPAWNIT_LOG_FORMAT": fmt,
        "SPAWNIT_CATALOG_DIR": str(ROOT / "catalog"),
        "SPAWNIT_MODULES_DIR": str(ROOT / "modules"),
    }


@pytest.mark.parametrize("fmt", ["json", "text"])
async def test_log_lines_are_json_and_a_jobs_lines_carry_its_ids(tmp_path: Path, fmt: str) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    argv = spawnit_serve(port)
    argv[argv.index("--log-level") + 1] = "info"
    with server_process(argv, f"http://127.0.0.1:{port}", log, env=_env(tmp_path, fmt)):
        api = Api(f"http://127.0.0.1:{port}")
        service = await api.create("static-site", "site", title="t", port=free_port())
        job = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
        destroy = await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
        assert job["state"] == destroy["state"] == "SUCCEEDED"
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    if fmt == "json":
        records = [json.loads(line) for line in lines]  # every line is an object
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
        of_job = [r for r in records if r.get("job_id") == job["id"]]
        assert of_job and all(r["service_id"] == service["id"] for r in of_job), records
        assert not [r for r in records if "job_id" in r and r["job_id"] not in (job["id"], destroy["id"])]
    else:
        assert f"[job_id={job['id']} service_id={service['id']}" in log.read_text()
