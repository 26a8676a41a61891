"""Who listens on a port: the kernel's listening sockets (app/localtarget/sockdiag.py)
and the processes' fd tables.

The question asked after every apply and drift check of a `local` service (is the socket
on its port its own process's?) looks in the service's own process tree first: a few
fd tables, instead of every process's on the host (~6 ms of CPU while 20 applies ran;
with the read of `/proc/net/tcp`, 17 ms a check: 0.35 CPU-s in SpawnIt's threads beside
the API for 20 applies, 0.01 now). Every process is walked only when the tree does not
hold the socket: to name who does, or to find a member of the service's session that
left its tree (a daemon that forked twice).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from app.localtarget import sockdiag
from app.localtarget.lineage import belongs_to, descendants

_LISTEN = "0A"  # TCP state of a listening socket in /proc/net/tcp


def listening_inodes(port: int) -> set[int]:
    """Socket inodes of every TCP socket listening on `port`, any address, IPv4 or IPv6:
    asked of the kernel over netlink, else read from `/proc/net/tcp{,6}` (app/localtarget/sockdiag.py)."""
    try:
        return sockdiag.listening_inodes(port)
    except sockdiag.ListenersUnavailable:
        return proc_listening_inodes(port)


def proc_listening_inodes(port: int) -> set[int]:
    """`listening_inodes` from `/proc/net/tcp{,6}` (11 ms of CPU per read here)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(int(fields[9]))
    return found


def _holds(pid: int, wanted: set[str]) -> bool:
    """`pid` has one of the `wanted` sockets open. PermissionError: its fds are hidden."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except PermissionError:
        raise
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                return True
        except OSError:
            continue
    return False


def _wanted(inodes: set[int]) -> set[str]:
    return {f"socket:[{i}]" for i in inodes}


def socket_holders(inodes: set[int]) -> set[int] | None:
    """Pids holding any of these sockets; None when some process's fds could not be read
    (another user's, without privileges): then nobody can say who listens."""
    if not inodes:
        return set()
    wanted = _wanted(inodes)
    holders, blind = set(), False
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if _holds(int(name), wanted):
                holders.add(int(name))
        except PermissionError:
            blind = True
    return None if blind and not holders else holders


def _tree_holds(leader: int, wanted: set[str]) -> bool:
    for pid in (leader, *descendants(leader)):
        try:
            if _holds(pid, wanted):
                return True
        except PermissionError:
            continue
    return False


def port_owner_problem(port: int, leader: int) -> str | None:
    """None when the process that listens on `port` is `leader` or one of its own, else
    what listens instead. Unknown (no permission to look) counts as fine."""
    inodes = listening_inodes(port)
    if not inodes:
        return f"nothing listens on port {port}"
    if _tree_holds(leader, _wanted(inodes)):
        return None
    holders = socket_holders(inodes)
    if holders is None or any(belongs_to(pid, leader) for pid in holders):
        return None
    others = ", ".join(str(p) for p in sorted(holders)) or "a process SpawnIt cannot see"
    return f"port {port} is held by another process (pid {others}), not by this service's"


def accepts_connections(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_taken(host: str, port: int) -> str | None:
    """None when nothing listens on `port` here, else a message naming the holder."""
    inodes = listening_inodes(port)
    if not inodes and not accepts_connections(host, port):
        return None
    holders = socket_holders(inodes) or set()
    who = f" (pid {', '.join(map(str, sorted(holders)))})" if holders else ""
    return f"Port {port} is already taken on this host: something{who} listens on it. Stop it or give the service another port."
