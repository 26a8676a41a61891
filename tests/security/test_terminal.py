"""A tenant's service cannot type into the terminal SpawnIt runs in (TIOCSTI, CVE-2017-5226
for sandboxes): the session `process.start` makes has no controlling terminal, so neither
the service nor anything in its bubblewrap sandbox (which no longer makes a session of its
own: tests/engine/test_launcher.py and app/localtarget/sandbox.py say why) can reach it.

The starter is a helper process that leads a session whose controlling terminal is a real
pseudo-terminal, as SpawnIt started from a shell is; it first injects a byte itself, to show
the attack works from where it runs, then starts the probe as the provider does."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = r"""
import fcntl, json, os, termios
seen = {}
try:
    fd = os.open("/dev/tty", os.O_RDWR)
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"X")
        seen["dev_tty"] = "injected"
    except OSError as exc:
        seen["dev_tty"] = "opened, " + type(exc).__name__
except OSError as exc:
    seen["dev_tty"] = type(exc).__name__
seen["fds"] = []
for fd in range(64):
    try:
        fcntl.ioctl(fd, termios.TIOCSTI, b"Y")
        seen["fds"].append(fd)
    except OSError:
        pass
seen["tty_nr"] = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[4])
with open("seen.json", "w") as f:
    json.dump(seen, f)
"""

HELPER = r"""
import fcntl, json, os, sys, termios, tty
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from app.localtarget import process, sandbox

master, slave = os.openpty()
name = os.ttyname(slave)
os.close(slave)
os.setsid()
term = os.open(name, os.O_RDWR)  # a session leader's first terminal: its controlling one
tty.setraw(term)
fcntl.ioctl(term, termios.TIOCSTI, b"S")  # the starter itself can type into it
work = Path(sys.argv[2])
home = work / "home"
home.mkdir(parents=True)
argv = ["/usr/bin/python3", "-c", sys.argv[3]]
fds = ()
if sys.argv[4] == "sandbox":
    argv, fds = sandbox.prepare(argv, home, work.parent / ".uids", sys.argv[5])
else:
    home = work
proc = process.start(argv, work, {"PATH": "/usr/bin:/bin"}, work / "service.log", fds)
proc.wait(timeout=60)
os.set_blocking(term, False)
try:
    typed = os.read(term, 100).decode()
except BlockingIOError:
    typed = ""
mine = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[4])
print(json.dumps({"typed": typed, "starter_tty_nr": mine, "seen": json.loads((home / "seen.json").read_text())}))
"""


def attempt(tmp_path: Path, mode: str) -> dict:
    instance = str(uuid.uuid4())
    work = tmp_path / "run" / instance
    done = subprocess.run(
        [sys.executable, "-c", HELPER, str(ROOT), str(work), PROBE, mode, instance],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr + (work / "service.log").read_text(errors="replace")
    result: dict = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    "mode",
    [
        "plain",
        pytest.param(
            "sandbox", marks=pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
        ),
    ],
)
def test_a_service_cannot_type_into_spawnit_s_terminal(tmp_path: Path, mode: str) -> None:
    result = attempt(tmp_path, mode)
    assert result["starter_tty_nr"] != 0 and "S" in result["typed"]  # the attack works from the starter
    seen = result["seen"]
    assert seen["tty_nr"] == 0, seen  # no controlling terminal
    assert seen["dev_tty"] in ("OSError", "FileNotFoundError", "PermissionError"), seen  # ENXIO: none to open
    assert seen["fds"] == [], seen  # no descriptor of it inherited
    assert "X" not in result["typed"] and "Y" not in result["typed"], result
