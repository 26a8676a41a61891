"""The engine commands SpawnIt runs (app/jobs/steps.py), run directly as a child process
on an equivalent work directory: what a naive orchestrator would do.

The work directory is laid out by `app.engine.workdir.lay_out`, as SpawnIt lays out its
own: the target's module `.tf` files, the `backend "local" {}` block, the tfvars. It has
its own state path, and the engine gets the environment SpawnIt gives it: the CLI config
SpawnIt writes under <data_dir>/engine/terraform.rc and SPAWNIT_LOCAL_RUN_DIR.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from app.engine.backend import Backend
from app.engine.workdir import lay_out
from app.settings import Settings
from bench import PYTHON, ROOT

_PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")


def stored_tfvars(settings: Settings, service_id: str) -> dict[str, Any]:
    """The variables SpawnIt rendered for a service (read from the folder store)."""
    (path,) = settings.store_dir.glob(f"clients/*/{service_id}/terraform.tfvars.json")
    return json.loads(path.read_text())


class DirectWorkdir:
    def __init__(self, settings: Settings, root: Path, tfvars: dict[str, Any], target: str = "local") -> None:
        self.workdir = root / "workdir"
        state = (root / "state" / "terraform.tfstate").resolve()
        state.parent.mkdir(parents=True, exist_ok=True)
        self.backend = Backend("local", (("path", str(state)),))
        lay_out(self.workdir, settings.modules_dir / target / "instance", self.backend, tfvars)
        env = {name: os.environ[name] for name in _PASSED if name in os.environ}
        env.setdefault("PATH", os.defpath)
        env.update(
            {
                "TF_CLI_CONFIG_FILE": str(settings.engine_dir / "terraform.rc"),
                "CHECKPOINT_DISABLE": "1",
                "TF_IN_AUTOMATION": "1",
                "TF_INPUT": "0",
                "PYTHONPATH": str(ROOT),
                "SPAWNIT_LOCAL_RUN_DIR": str(settings.run_dir.resolve()),
            }
        )
        self.env = env
        lock = f"-lock-timeout={settings.lock_timeout_seconds}s"
        self._lock = lock
        self._common = ["-json", "-input=false", "-no-color", lock]

    async def run(self, args: list[str]) -> float:
        """Run the engine with `args`, reading its output line by line; seconds taken."""
        t0 = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            PYTHON,
            "-m",
            "app.engine.embedded",
            *args,
            cwd=str(self.workdir),
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            limit=1 << 20,
        )
        assert proc.stdout is not None
        tail: list[bytes] = []
        async for line in proc.stdout:
            tail = (tail + [line])[-20:]
        rc = await proc.wait()
        took = time.perf_counter() - t0
        if rc not in (0, 2):
            raise RuntimeError(f"engine {args[0]} exited {rc}: {b''.join(tail).decode(errors='replace')}")
        return took

    # the exact commands of app/jobs/steps.py
    async def init(self) -> float:
        return await self.run(
            ["init", "-input=false", "-no-color", "-reconfigure", self._lock, *self.backend.init_args()]
        )

    async def plan(self) -> float:
        return await self.run(["plan", *self._common, "-detailed-exitcode", "-out=plans/direct.tfplan"])

    async def apply(self) -> float:
        return await self.run(["apply", *self._common, "-auto-approve"])

    async def destroy(self) -> float:
        return await self.run(["destroy", *self._common, "-auto-approve"])
