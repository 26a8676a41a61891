"""A service started by `process.start` leads a session of its own (no terminal), and,
where Linux groups processes by session (autogroup), that group is weighed at the
niceness of whoever started it: the provider, so the engines' (SPAWNIT_ENGINE_NICE)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

STARTER = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from app.localtarget import process
os.nice(int(sys.argv[3]))
proc = process.start(["sleep", "600"], Path(sys.argv[2]), {"PATH": os.defpath}, Path(sys.argv[2]) / "log")
deadline = time.monotonic() + 10
while True:
    line = Path(f"/proc/{proc.pid}/autogroup").read_text().split()
    if not line or line[-1] != "0" or time.monotonic() > deadline or sys.argv[3] == "0":
        break
    time.sleep(0.02)
mine = Path("/proc/self/autogroup").read_text().split()
print(json.dumps({"group": line, "mine": mine, "session": os.getsid(proc.pid) == proc.pid}))
proc.kill()
proc.wait()
"""


def started_at(tmp_path: Path, nice: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", STARTER, str(ROOT), str(tmp_path), str(nice)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("nice", [0, 9])
def test_a_service_s_session_is_weighed_at_its_starter_s_niceness(tmp_path: Path, nice: int) -> None:
    result = started_at(tmp_path, nice)
    assert result["session"]  # a session (and so a scheduler group) of its own
    if not result["group"]:
        pytest.skip("the kernel does not group by session here (a CPU cgroup of its own)")
    assert result["group"][:1] != result["mine"][:1]  # not the starter's group (empty: the kernel's default)
    assert result["group"][-1] == str(nice), result  # at the starter's niceness; none added at 0
