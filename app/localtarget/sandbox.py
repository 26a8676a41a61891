"""The sandbox every local service runs in: Debian's `bubblewrap` (`bwrap`).

`sandbox_problem()` says whether it works on this host (None) or why not; the policy
(`policy.py`) refuses the local target to tenants without it.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

BWRAP = "bwrap"


@functools.cache
def sandbox_problem() -> str | None:
    """None when `bwrap` is installed and can make a sandbox here, else why not."""
    found = shutil.which(BWRAP)
    if found is None:
        return "bubblewrap is not installed: apt-get install bubblewrap"
    try:
        done = subprocess.run(
            [
                found,
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--unshare-pid",
                "--unshare-ipc",
                "--die-with-parent",
                "true",
            ],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not run: {exc}"
    if done.returncode != 0:
        return f"bwrap cannot make a sandbox here: {done.stderr.strip()[:200]}"
    return None
