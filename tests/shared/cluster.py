"""Several real `spawnit serve` processes in shared mode: one redis-server, one moto bucket,
one secret key, each process with a data folder of its own. The catalog has the bench's
`log-lines` entry (target `bench`: an engine run that prints N lines at a set rate, after
a gate file exists), so a job's log is long and arrives while subscribers follow it."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bench.log_stream import ENTRY, bench_catalog
from tests.api.client import Api
from tests.support import free_port, spawnit_serve, start_server_process, stop_leftovers, stop_server_process

ROOT = Path(__file__).resolve().parents[2]
# the roles (`spawnit serve --role api`, `spawnit worker`) come with shared mode's job queue;
# without them every process is a full `spawnit serve` that runs the jobs created through it
ROLES = importlib.util.find_spec("app.shared.wiring") is not None
LOGS = "subscription($id: ID!, $from: Int!) { jobLogs(jobId: $id, fromLine: $from) { number text } }"


@dataclass
class Replica:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    data_dir: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> Api:
        return Api(self.url)

    def kill(self) -> None:
        """kill -9 of the replica's whole session (its engines too)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@dataclass
class Cluster:
    tmp: Path
    redis_url: str
    s3_endpoint: str
    bucket: str = field(default_factory=lambda: f"shared-{uuid.uuid4().hex}")
    secret_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    replicas: list[Replica] = field(default_factory=list)

    def env(self, data_dir: Path, **extra: str) -> dict[str, str]:
        catalog, modules = self.tmp / "catalog", self.tmp / "modules"
        if not catalog.exists():
            bench_catalog(self.tmp, ROOT / "catalog", ROOT / "modules")
        base = {k: v for k, v in os.environ.items() if not k.startswith("SPAWNIT_")}
        return {
            **base,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "SPAWNIT_SECRET_KEY": self.secret_key,
            "SPAWNIT_REDIS_URL": self.redis_url,
            "SPAWNIT_STORE": "s3",
            "SPAWNIT_S3_BUCKET": self.bucket,
            "SPAWNIT_S3_ENDPOINT": self.s3_endpoint,
            "SPAWNIT_DATA_DIR": str(data_dir),
            "SPAWNIT_ENGINE": "embedded",
            "SPAWNIT_CATALOG_DIR": str(catalog),
            "SPAWNIT_MODULES_DIR": str(modules),
            "SPAWNIT_DRIFT_INTERVAL_SECONDS": "0",
            **extra,
        }

    def start(self, name: str, *flags: str, command: str = "serve", **extra: str) -> Replica:
        port = free_port()
        data_dir = self.tmp / name
        data_dir.mkdir(parents=True, exist_ok=True)
        log = self.tmp / f"{name}.log"
        argv = spawnit_serve(port, *flags)
        if command != "serve":
            argv[argv.index("serve")] = command
        proc = start_server_process(argv, f"http://127.0.0.1:{port}", log, env=self.env(data_dir, **extra))
        replica = Replica(name, port, proc, data_dir, log)
        self.replicas.append(replica)
        return replica

    def stop(self) -> None:
        for replica in self.replicas:
            if replica.proc.poll() is None:
                stop_server_process(replica.proc)
            stop_leftovers(replica.data_dir / "run")


def api_replica(c: Cluster, name: str, **extra: str) -> Replica:
    """An API replica: `serve --role api` (runs no engine), or a full serve without roles."""
    return c.start(name, "--role", "api", **extra) if ROLES else c.start(name, **extra)


def job_host(c: Cluster, name: str = "worker", **extra: str) -> Replica:
    """What runs the jobs: a `spawnit worker`, or without roles a full serve (create jobs
    through it: `through`)."""
    return c.start(name, command="worker", **extra) if ROLES else c.start(name, **extra)


def through(replica: Replica, host: Replica) -> Replica:
    """The process to create a job through so that `host` runs it: any API replica with
    roles (the shared queue), else `host` itself."""
    return replica if ROLES else host


@contextlib.contextmanager
def cluster(tmp: Path, redis_url: str, s3_endpoint: str) -> Iterator[Cluster]:
    c = Cluster(tmp, redis_url, s3_endpoint)
    try:
        yield c
    finally:
        c.stop()


async def chatty_apply(api: Api, lines: int, rate: int, gate: Path) -> dict[str, Any]:
    """A `log-lines` service applied through `api`: its job (running, waiting on `gate`)."""
    data = await api.run(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
        i={
            "catalogEntryId": ENTRY,
            "target": "bench",
            "name": "chatty",
            "variables": {"lines": lines, "rate": rate, "gate": str(gate)},
        },
    )
    return await api.mutate_job("applyService", data["createService"]["id"])


def printed(lines: list[dict[str, Any]]) -> list[int]:
    """The numbers the provisioner printed, in the order received (`line <i> <ns>`)."""
    out = []
    for line in lines:
        text = line["text"]
        if "(local-exec): line " in text:
            out.append(int(text.split("(local-exec): line ")[1].split()[0]))
    return out
