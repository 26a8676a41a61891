"""The kernel's listening TCP sockets over netlink, against what `/proc/net/tcp{,6}` and
the sockets themselves say (the real kernel, real sockets)."""

from __future__ import annotations

import contextlib
import os
import socket

import pytest

from app.localtarget import ports, sockdiag
from tests.conftest import free_port


def inode(sock: socket.socket) -> int:
    return os.fstat(sock.fileno()).st_ino


def listener(family: int, port: int) -> socket.socket:
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", port))
    sock.listen()
    return sock


def test_the_listeners_on_a_port_ipv4_and_ipv6_and_nothing_else():
    port, other = free_port(), free_port()
    with contextlib.ExitStack() as stack:
        v4 = stack.enter_context(listener(socket.AF_INET, port))
        v6 = stack.enter_context(listener(socket.AF_INET6, port))
        stack.enter_context(listener(socket.AF_INET, other))
        client = stack.enter_context(socket.create_connection(("127.0.0.1", port)))  # a connection, not a listener
        assert client.getpeername()[1] == port
        found = sockdiag.listening_inodes(port)
        assert found == {inode(v4), inode(v6)}
        assert found == ports.proc_listening_inodes(port)
    assert sockdiag.listening_inodes(port) == set()


def test_a_dump_longer_than_one_read_is_read_to_its_end():
    with contextlib.ExitStack() as stack:
        many = [stack.enter_context(listener(socket.AF_INET, 0)) for _ in range(600)]
        last = many[-1].getsockname()[1]
        assert sockdiag.listening_inodes(last) == {inode(many[-1])}
        first = many[0].getsockname()[1]
        assert sockdiag.listening_inodes(first) == {inode(many[0])}


def test_where_netlink_is_refused_proc_answers(monkeypatch: pytest.MonkeyPatch):
    """As under a seccomp profile that refuses AF_NETLINK."""
    real = socket.socket

    def refusing(family: int = -1, *args: object, **kwargs: object) -> socket.socket:
        if family == socket.AF_NETLINK:
            raise PermissionError(1, "Operation not permitted")
        return real(family, *args, **kwargs)  # type: ignore[arg-type]

    port = free_port()
    with listener(socket.AF_INET, port) as sock:
        monkeypatch.setattr(socket, "socket", refusing)
        with pytest.raises(sockdiag.ListenersUnavailable):
            sockdiag.listening_inodes(port)
        assert ports.listening_inodes(port) == {inode(sock)}
