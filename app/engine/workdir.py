"""The per-service work directory: module laid in, backend block, variables, init hash.

`workdirs/<tenant>/<service>/` holds a copy of the target's module (its `*.tf`), the
backend block SpawnIt writes, the service's `terraform.tfvars.json`, the engine's
`.terraform/` and saved plans under `plans/`. `init` is needed only when the module,
the lock file, the backend settings or the engine changed: a hash decides.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.engine.backend import CREDENTIALS_FILE, Backend

BACKEND_FILE = "spawnit_backend.tf"
TFVARS_FILE = "terraform.tfvars.json"
LOCK_FILE = ".terraform.lock.hcl"
HASH_FILE = ".terraform/spawnit-init.sha256"
PLANS = "plans"


def _write_if_changed(path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def lay_out(workdir: Path, module_dir: Path, backend: Backend, tfvars: dict[str, Any]) -> None:
    """Make `workdir` the module + backend + variables; stale `.tf` files go."""
    workdir.mkdir(parents=True, exist_ok=True)
    plans = workdir / PLANS
    plans.mkdir(mode=0o700, exist_ok=True)
    plans.chmod(0o700)  # saved plans hold sensitive values in plain text: SpawnIt's alone
    wanted = {p.name: p.read_bytes() for p in sorted(module_dir.glob("*.tf"))}
    wanted[BACKEND_FILE] = backend.block().encode()
    for stale in workdir.glob("*.tf"):
        if stale.name not in wanted:
            stale.unlink()
    for name, data in wanted.items():
        _write_if_changed(workdir / name, data)
    _write_if_changed(workdir / TFVARS_FILE, json.dumps(tfvars, indent=2, sort_keys=True).encode())


_using: dict[Path, int] = {}  # work directory -> engines of this process using its credentials file


@contextlib.contextmanager
def credentials_in(workdir: Path, backend: Backend) -> Iterator[None]:
    """The backend's own credentials file (SpawnIt's alone, 0600) in `workdir` while an
    engine of this process runs there (a job, a graph), gone once the last one is done."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / CREDENTIALS_FILE
    if backend.credentials:
        tmp = path.with_name(path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(backend.credentials)
        os.replace(tmp, path)  # the current keys, whoever else is using the file
    _using[workdir] = _using.get(workdir, 0) + 1
    try:
        yield
    finally:
        _using[workdir] -= 1
        if _using[workdir] == 0:
            del _using[workdir]
            path.unlink(missing_ok=True)


def init_hash(workdir: Path, backend: Backend, engine: str, cli_config: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(workdir.glob("*.tf")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    lock = workdir / LOCK_FILE
    digest.update(lock.read_bytes() if lock.exists() else b"no-lock")
    digest.update(json.dumps([backend.kind, backend.config, engine, cli_config]).encode())
    return digest.hexdigest()


def needs_init(workdir: Path, current: str) -> bool:
    try:
        return (workdir / HASH_FILE).read_text() != current
    except FileNotFoundError:
        return True


def initialized(workdir: Path) -> bool:
    """An init of `workdir` succeeded (and no later one is under way)."""
    return (workdir / HASH_FILE).is_file()


def mark_initialized(workdir: Path, current: str) -> None:
    (workdir / HASH_FILE).write_text(current)
    lock = workdir / LOCK_FILE
    if lock.exists():
        lock.chmod(0o600)  # the engine writes it 0644 whatever the umask: SpawnIt's files are its own


def forget_init(workdir: Path) -> None:
    (workdir / HASH_FILE).unlink(missing_ok=True)


def plan_file(workdir: Path, job_id: str) -> Path:
    return workdir / PLANS / f"{job_id}.tfplan"


def new_plan_file(workdir: Path, job_id: str) -> Path:
    """The path the engine writes `job_id`'s plan to, made beforehand, empty and 0600
    (the engine truncates it in place, keeping the mode)."""
    path = plan_file(workdir, job_id)
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


def drop_plans(workdir: Path, keep: Path | None = None) -> list[str]:
    """Delete the saved plans of `workdir` but `keep`: a later operation on the service
    supersedes them (they can no longer be applied). The names of those deleted."""
    dropped = []
    for path in (workdir / PLANS).glob("*.tfplan"):
        if keep is None or path != keep:
            path.unlink(missing_ok=True)
            dropped.append(path.name)
    return dropped
