"""The one real `Engine`: the chosen binary (or the embedded shim) as a child process,
with the environment automation wants and nothing of SpawnIt's own."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from app.engine.binary import EngineBinary
from app.engine.command import EngineCommand
from app.engine.priority import ANY, EnginePriority
from app.engine.spawn import Starter

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")


class ChildEngine:
    def __init__(
        self,
        binary: EngineBinary,
        cli_config: Path,
        *,
        priority: EnginePriority = ANY,
        starter: Starter | None = None,
    ) -> None:
        if not cli_config.is_absolute():
            raise ValueError(f"the engine's CLI config must be an absolute path, got {cli_config}")
        self.binary = binary
        self.name = binary.name
        self._cli_config = cli_config
        self._priority = priority  # inherited by the providers it starts
        self._starter = starter  # the engines' launcher (None: SpawnIt starts them itself)
        self._env = {name: os.environ[name] for name in _PASSED if name in os.environ}
        self._env.setdefault("PATH", os.defpath)
        self._env.update(
            {
                "TF_CLI_CONFIG_FILE": str(cli_config),
                "CHECKPOINT_DISABLE": "1",
                "TF_IN_AUTOMATION": "1",
                "TF_INPUT": "0",
                # the embedded shim and the local provider import SpawnIt's code
                "PYTHONPATH": str(_PROJECT_ROOT),
            }
        )

    def fingerprint(self) -> str:
        try:
            config = self._cli_config.read_text()
        except FileNotFoundError:
            config = ""
        return f"{self.binary.argv}\n{config}"

    async def start(self, args: list[str], cwd: Path, env: Mapping[str, str]) -> EngineCommand:
        if not cwd.is_absolute():  # the engine resolves every relative path from its own cwd
            raise ValueError(f"the engine's work directory must be an absolute path, got {cwd}")
        child_env = {**self._env, **env}
        argv = [*self.binary.argv, *args]
        return await EngineCommand.start(argv, cwd, child_env, priority=self._priority, starter=self._starter)
