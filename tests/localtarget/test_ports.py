"""Who listens on a port, from /proc: a service counts as listening only when the socket
is its own process's (or a descendant's), never because another program holds the port."""

from __future__ import annotations

import os
import socket
import sys

from app.localtarget import lineage, ports, process
from tests.conftest import free_port


def test_another_programs_listener_is_not_the_service(tmp_path):
    port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        assert ports.socket_holders(ports.listening_inodes(port)) == {os.getpid()}
        proc = process.start(["sleep", "30"], tmp_path, {"PATH": os.environ["PATH"]}, tmp_path / "log")
        try:
            # before: "accepts a connection" was enough, and this returned None (started)
            problem = process.wait_listening(proc, "127.0.0.1", port, timeout=0.3)
            assert problem == f"port {port} is held by another process (pid {os.getpid()}), not by this service's"
            assert ports.port_owner_problem(port, os.getpid()) is None
        finally:
            process.kill_child(proc)


def test_a_descendant_listening_is_the_service(tmp_path):
    port = free_port()
    code = (
        "import socket, subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'import socket, time; s = socket.socket(); "
        f's.bind(("127.0.0.1", {port})); s.listen(); time.sleep(30)\'])\n'
    )
    proc = process.start([sys.executable, "-c", code], tmp_path, dict(os.environ), tmp_path / "log")
    try:
        assert process.wait_listening(proc, "127.0.0.1", port, timeout=20) is None
        assert ports.port_owner_problem(port, proc.pid) is None
    finally:
        process.kill_child(proc)


def test_a_service_s_own_listener_is_found_without_reading_every_process_s_fds(tmp_path, monkeypatch):
    """After each apply and drift check: the service's tree first (17 ms of CPU for a scan
    of every process, with engines and providers running)."""
    port = free_port()
    code = f"import socket, time; s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen(); time.sleep(30)"
    proc = process.start([sys.executable, "-c", code], tmp_path, dict(os.environ), tmp_path / "log")
    try:
        assert process.wait_listening(proc, "127.0.0.1", port, timeout=20) is None

        def every_process(inodes):
            raise AssertionError("every process's fds were read")

        monkeypatch.setattr(ports, "socket_holders", every_process)
        assert ports.port_owner_problem(port, proc.pid) is None
    finally:
        process.kill_child(proc)


def test_a_session_member_that_left_the_tree_is_still_the_service(tmp_path):
    """A daemon that forked twice is no descendant any more (its parent exited), but it is
    in the service's session: the scan of every process finds it."""
    port = free_port()
    ready = tmp_path / "ready"
    code = (
        "import os, socket, time\n"
        "if os.fork() == 0:\n"
        "    if os.fork() == 0:\n"
        f"        s = socket.socket(); s.bind(('127.0.0.1', {port})); s.listen()\n"
        f"        open({str(ready)!r}, 'w').close(); time.sleep(30)\n"
        "    os._exit(0)\n"
        "os.wait(); time.sleep(30)\n"
    )
    proc = process.start([sys.executable, "-c", code], tmp_path, dict(os.environ), tmp_path / "log")
    try:
        assert process.wait_listening(proc, "127.0.0.1", port, timeout=20) is None
        holder = ports.socket_holders(ports.listening_inodes(port))
        assert holder and not set(holder) & set(lineage.descendants(proc.pid))  # it left the tree
        assert ports.port_owner_problem(port, proc.pid) is None
    finally:
        process.kill_child(proc)
