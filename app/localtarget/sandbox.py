"""The sandbox every local service runs in: Debian's `bubblewrap` (`bwrap`).

`sandbox_problem()` says whether it works on this host (None) or why not; the policy
(`policy.py`) refuses the local target to tenants without it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from app.localtarget import process

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


# -- running a service inside it ---------------------------------------------------------

SANDBOX_ENV = "SPAWNIT_LOCAL_SANDBOX"  # "bwrap": every service in the sandbox; else none
PRIVATE_ENV = "SPAWNIT_LOCAL_PRIVATE"  # folders (os.pathsep-separated) no service may see
INSIDE = "/tmp/spawnit-service"  # the service's own folder, as the service sees it
UID_BASE, UID_SPAN = 1_500_000_000, 10_000_000  # uids of services (when SpawnIt runs as root)
SETPRIV = "setpriv"


def wanted() -> bool:
    return os.environ.get(SANDBOX_ENV) == "bwrap"


def private_dirs() -> list[Path]:
    raw = os.environ.get(PRIVATE_ENV, "")
    return [Path(p) for p in raw.split(os.pathsep) if p and Path(p).is_absolute()]


def _claim_path(claims: Path, uid: int) -> Path:
    return claims / str(uid)


def allocate_uid(claims: Path, instance: str) -> int:
    """A uid of this instance's own, claimed by an O_EXCL file in `claims` (kept until
    `release_uid`): the same instance gets the same uid again, two instances never share."""
    claims.mkdir(parents=True, exist_ok=True)
    start = int(instance.replace("-", "")[:8], 16) % UID_SPAN
    for step in range(UID_SPAN):
        uid = UID_BASE + (start + step) % UID_SPAN
        path = _claim_path(claims, uid)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if path.read_text() == instance:
                return uid
            continue
        with os.fdopen(fd, "w") as f:
            f.write(instance)
        return uid
    raise OSError("no free uid for the service's sandbox")


def release_uid(claims: Path, instance: str) -> None:
    if not claims.is_dir():
        return
    for path in claims.iterdir():
        try:
            if path.read_text() == instance:
                path.unlink()
        except OSError:
            continue


def reachable_path(path_env: str) -> str:
    """The PATH entries any user can reach (every folder on the way is world-searchable):
    a service running as its own uid cannot use the others (e.g. root's own pyenv)."""

    def reachable(folder: str) -> bool:
        p = Path(folder)
        if not p.is_absolute() or not p.is_dir():
            return False
        for part in [p, *p.parents]:
            try:
                if not part.stat().st_mode & 0o001:
                    return False
            except OSError:
                return False
        return True

    return os.pathsep.join(d for d in path_env.split(os.pathsep) if reachable(d))


def passwd_pipe(uid: int) -> int:
    """A pipe's read end holding /etc/passwd as the service sees it: the host's, plus its
    own uid (initdb and others look their user up). No file: bwrap copies it in."""
    text = Path("/etc/passwd").read_text()
    if not text.endswith("\n"):
        text += "\n"
    data = (text + f"spawnit-service:x:{uid}:{uid}:SpawnIt service:{INSIDE}:/usr/sbin/nologin\n").encode()
    read, write = os.pipe()
    try:
        if len(data) > 60_000 or os.write(write, data) != len(data):  # a pipe holds 64 KiB
            raise OSError("/etc/passwd is too large to hand to the sandbox")
    except OSError:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


def give_to(folder: Path, uid: int) -> None:
    """`folder` and all in it become `uid`'s (the service's own folder)."""
    os.chown(folder, uid, uid)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, uid)


def wrap(argv: Sequence[str], home: Path, uid: int | None, passwd_fd: int | None) -> list[str]:
    """`argv` run in a bubblewrap sandbox: the host's / read-only, SpawnIt's data folder and
    the host's /tmp replaced by empty tmpfs, `home` (the service's own folder) the only
    writable place, at INSIDE; new PID and IPC namespaces (the service sees and signals its
    own processes only); the network stays the host's (its port is on loopback). With `uid`
    (SpawnIt runs as root), the service runs as that uid, without capabilities."""
    bwrap = shutil.which(BWRAP)
    if bwrap is None:
        raise OSError("bubblewrap (bwrap) is not installed")
    # `timeout 0` (coreutils: no time limit) is bwrap's parent and waits for it, so that
    # --die-with-parent ties the sandbox to a process that lives exactly as long as the
    # service: it outlives the provider, and a kill of either wrapper takes it all down.
    waiter = shutil.which("timeout")
    args = [waiter, "0", bwrap, "--die-with-parent"] if waiter else [bwrap]
    # no --new-session: the session process.start made (no controlling terminal, so nothing
    # inside can reach SpawnIt's terminal; tests/security/test_terminal.py) keeps it all in
    # the scheduler group weighed at the engines' niceness, where a session of bwrap's would
    # be a group at full weight
    args += ["--unshare-pid", "--unshare-ipc"]
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
    for folder in private_dirs():
        if folder != Path("/tmp") and Path("/tmp") not in folder.parents and folder.is_dir():
            args += ["--tmpfs", str(folder)]
    if passwd_fd is not None:
        args += ["--perms", "0644", "--ro-bind-data", str(passwd_fd), "/etc/passwd"]
    args += ["--bind", str(home), INSIDE, "--chdir", INSIDE, "--setenv", "HOME", INSIDE, "--"]
    if uid is not None:
        setpriv = shutil.which(SETPRIV) or "/usr/bin/setpriv"
        args += [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return args + list(argv)


HOME_NAME = "home"  # <run>/<instance>/home: the service's own folder; beside it, SpawnIt's files


def prepare(argv: Sequence[str], home: Path, uids: Path, instance: str) -> tuple[list[str], tuple[int, ...]]:
    """The sandboxed argv of a service whose files are in `home`, and the fds to hand it.

    As root, the service gets a uid of its own (claimed in `uids`) that owns `home`."""
    program = Path(argv[0])
    if home in program.parents:  # a program of the service's own files: as seen inside
        argv = [str(Path(INSIDE) / program.relative_to(home)), *argv[1:]]
    if os.geteuid() != 0:
        return wrap(argv, home, None, None), ()
    uid = allocate_uid(uids, instance)
    give_to(home, uid)
    fd = passwd_pipe(uid)
    return wrap(argv, home, uid, fd), (fd,)


def service_pid(bwrap_pid: int, timeout: float = 10.0) -> int | None:
    """The pid (as seen from here) of the service bwrap started: its first descendant that
    is neither bwrap nor its waiter (setpriv execs the service, keeping its pid). That process is
    the one recorded, probed and signalled, as an unsandboxed service's own process is.
    None when bwrap ended first or nothing appeared in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, _ in process.family(bwrap_pid):
            try:
                if Path(f"/proc/{pid}/comm").read_text().strip() not in (BWRAP, "timeout"):
                    return pid
            except OSError:
                continue
        st = process.read_stat(bwrap_pid)
        if st is None or st.state == "Z":
            return None
        time.sleep(process.POLL_SECONDS)
    return None
