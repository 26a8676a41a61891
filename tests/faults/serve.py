"""A real `spawnit serve` process on a loopback port, for the tests that signal it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def serve(data_dir: Path, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """`spawnit serve` with the embedded engine and these SPAWNIT_* settings, once it answers."""
    environ = {
        **os.environ,
        "SPAWNIT_DATA_DIR": str(data_dir),
        "SPAWNIT_ENGINE": "embedded",
        **{f"SPAWNIT_{name.upper()}": value for name, value in env.items()},
    }
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environ,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("spawnit serve did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)
