"""A real `spawnit serve` process on a loopback port, for the tests that signal it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support import spawnit_serve, start_server_process


def serve(data_dir: Path, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """`spawnit serve` with the embedded engine and these SPAWNIT_* settings, once it answers."""
    environ = {
        **os.environ,
        "SPAWNIT_DATA_DIR": str(data_dir),
        "SPAWNIT_ENGINE": "embedded",
        **{f"SPAWNIT_{name.upper()}": value for name, value in env.items()},
    }
    try:
        return start_server_process(spawnit_serve(port), f"http://127.0.0.1:{port}", log, env=environ, timeout=60)
    except RuntimeError as exc:
        pytest.fail(f"spawnit serve did not start: {exc}")
