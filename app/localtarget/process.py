"""Detached local processes: start one, wait until it listens, recognise it later, stop it.

Plain functions over pids and `/proc`, nothing Terraform-specific. A process is known by
its pid *and* its start time (field 22 of `/proc/<pid>/stat`, in clock ticks since boot),
so a pid that the kernel has since handed to another program is never mistaken for ours.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.engine.priority import weigh_session
from app.localtarget.lineage import belongs_to
from app.localtarget.ports import accepts_connections, port_owner_problem

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ProcStat:
    state: str  # R, S, D, Z, T, ...
    start_ticks: int


def read_stat(pid: int) -> ProcStat | None:
    """The state and start time of `pid`, or None when there is no such process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    fields = raw[raw.rindex(")") + 2 :].split()
    return ProcStat(state=fields[0], start_ticks=int(fields[19]))  # fields[0] is field 3, [19] is field 22


def is_running(pid: int, start_ticks: int) -> bool:
    """True when `pid` is still the process we started and it has not exited (zombies have)."""
    st = read_stat(pid)
    return st is not None and st.start_ticks == start_ticks and st.state != "Z"


def start(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], log_path: Path, pass_fds: Sequence[int] = ()
) -> subprocess.Popen[bytes]:
    """Start `argv` (no shell) in its own session, with no stdin and its output appended to `log_path`;
    the session's scheduler group weighed at the caller's niceness (the engines': a service
    starting, a sandbox and an interpreter, took CPU the API waited for), in a thread of
    its own (`weigh_session` retries a refused write).

    Nothing of the caller's stdio is inherited: a plugin's pipes stay free for the plugin.
    `pass_fds` are handed to the child (and closed here once it started).
    """
    try:
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                pass_fds=tuple(pass_fds),
            )
    finally:
        for fd in pass_fds:
            os.close(fd)
    if (nice := os.getpriority(os.PRIO_PROCESS, 0)) > 0:
        threading.Thread(target=weigh_session, args=(proc.pid, nice), daemon=True).start()
    return proc


def wait_listening(
    proc: subprocess.Popen[bytes], host: str, port: int, timeout: float, stop: threading.Event | None = None
) -> str | None:
    """Wait until host:port accepts a TCP connection *and* the socket listening there is
    `proc`'s (or one of its descendants'). None when it does, else why not.

    `stop` set (the engine asked the provider to stop) ends the wait at once."""
    deadline = time.monotonic() + timeout
    while True:
        if stop is not None and stop.is_set():
            return "the engine asked the provider to stop (the run was interrupted)"
        code = proc.poll()
        if code is not None:
            held = port_owner_problem(port, proc.pid)
            why = f" ({held})" if held and "nothing listens" not in held else ""
            return f"the process exited with code {code} before listening on {host}:{port}{why}"
        if accepts_connections(host, port):
            owner = port_owner_problem(port, proc.pid)
            if owner is None:
                return None
        else:
            owner = None
        if time.monotonic() >= deadline:
            return owner or f"nothing listened on {host}:{port} within {timeout:g} s"
        time.sleep(POLL_SECONDS)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def family(leader: int) -> list[tuple[int, int]]:
    """(pid, start ticks) of `leader`'s descendants and session members. A sandboxed
    service runs in a session and a PID namespace of its own under bwrap: a signal to the
    group alone would reach bwrap, not the service."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != leader and belongs_to(int(proc.name), leader):
            st = read_stat(int(proc.name))
            if st is not None:
                found.append((int(proc.name), st.start_ticks))
    return found


def _signal_all(leader: int, members: list[tuple[int, int]], sig: int) -> None:
    """`leader`'s group and `members` (give `leader` among them: a sandboxed service leads
    no group of its own). A member is signalled only while it is still the same process."""
    _signal_group(leader, sig)
    for pid, ticks in members:
        st = read_stat(pid)
        if st is not None and st.start_ticks == ticks:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass


def _wait_until_gone(pid: int, start_ticks: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_running(pid, start_ticks):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def _all_gone(members: list[tuple[int, int]], timeout: float) -> bool:
    return all(_wait_until_gone(pid, ticks, timeout) for pid, ticks in members)


def stop(pid: int, start_ticks: int, grace: float = 5.0) -> None:
    """SIGTERM the process group of `pid` and its descendants, SIGKILL them after `grace`
    seconds. Gone already is fine.

    The process was started as a session (and group) leader, so its group id is its pid.
    Nothing is signalled unless `pid` is still the process we started (a zombie of it counts).
    """
    st = read_stat(pid)
    if st is None or st.start_ticks != start_ticks:
        return
    members = [(pid, start_ticks), *family(pid)]  # before any signal: once the leader is gone, its children are orphans
    _signal_all(pid, members, signal.SIGTERM)
    if not (_wait_until_gone(pid, start_ticks, grace) and _all_gone(members, grace)):
        _signal_all(pid, members, signal.SIGKILL)
        _wait_until_gone(pid, start_ticks, 2.0)
    # Sweep what the leader may have left in its group (the group id cannot be reused while it has members).
    _signal_all(pid, members, signal.SIGKILL)


def kill_child(proc: subprocess.Popen[bytes]) -> None:
    """Kill a process we started in this process (and its group and descendants), and reap it."""
    st = read_stat(proc.pid)
    leader = [(proc.pid, st.start_ticks)] if st is not None else []
    _signal_all(proc.pid, leader + family(proc.pid), signal.SIGKILL)
    proc.wait()


def tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, "rb") as f:
            last = deque(f, maxlen=lines)
    except FileNotFoundError:
        return ""
    return b"".join(last).decode(errors="replace").rstrip()


def started_in(folder: Path) -> list[tuple[int, int]]:
    """(pid, start ticks) of the live processes whose working folder is `folder`: what a
    run killed between starting a service and recording it (`write_marker`) left there
    (the service's process, or the sandbox's waiter and bwrap, which never leave it)."""
    wanted, found = str(folder.resolve()), []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.readlink(proc / "cwd") != wanted:
                continue
        except OSError:  # gone, or not ours to look at
            continue
        st = read_stat(int(proc.name))
        if st is not None and st.state != "Z":
            found.append((int(proc.name), st.start_ticks))
    return found


def write_marker(path: Path, pid: int, start_ticks: int) -> None:
    """Record which process runs an instance, so a later run can find it even when the
    engine was killed before the state could say so."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"pid": pid, "start_ticks": start_ticks}))
    os.replace(tmp, path)


def read_marker(path: Path) -> tuple[int, int] | None:
    try:
        data = json.loads(path.read_text())
        return int(data["pid"]), int(data["start_ticks"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
