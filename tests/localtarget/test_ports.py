"""Who listens on a port, from /proc: a service counts as listening only when the socket
is its own process's (or a descendant's), never because another program holds the port."""

from __future__ import annotations

import os
import socket
import sys

from app.localtarget import process
from tests.conftest import free_port


def test_another_programs_listener_is_not_the_service(tmp_path):
    port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        assert process.socket_holders(process.listening_inodes(port)) == {os.getpid()}
        proc = process.start(["sleep", "30"], tmp_path, {"PATH": os.environ["PATH"]}, tmp_path / "log")
        try:
            # before: "accepts a connection" was enough, and this returned None (started)
            problem = process.wait_listening(proc, "127.0.0.1", port, timeout=0.3)
            assert problem == f"port {port} is held by another process (pid {os.getpid()}), not by this service's"
            assert process.port_owner_problem(port, os.getpid()) is None
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
        assert process.port_owner_problem(port, proc.pid) is None
    finally:
        process.kill_child(proc)
