"""The engines' launcher: a small process in a session of its own that starts SpawnIt's
engine commands and providers, so that they all share one scheduler group, weighed at
the engines' niceness, apart from the API's.

Where Linux groups processes by session for the scheduler (`autogroup`), a niceness
counts only inside a group, and the groups share the CPUs as equals. Engines in SpawnIt's
own session left the API a niceness-weighted share, but of a group charged with all the
engines' CPU: when a tenant's service or any other program wanted a CPU, the API waited
behind it for what its engines had used. Engines in sessions of their own, one each, were
eight groups to the API's one. Here they are one group, and the group's own niceness
(`/proc/self/autogroup`, which an unprivileged process may raise) is the engines'.

One message per start over a `SOCK_SEQPACKET` socket (SpawnIt's side: app/engine/launcher.py):
JSON `{"id", "argv", "cwd", "env", "stderr": bool}` with the output pipe's write end as
SCM_RIGHTS; the answer `{"id", "pid"}` with a pidfd of the child (opened before anything
could reap it), or `{"id", "error", "errno"}`; later `{"exited", "code"}` once it is
reaped here. The launcher ends when SpawnIt's end of the socket closes (SpawnIt exited,
even killed): its children then get their parent-death signal (`setpriv --pdeathsig`,
app/engine/command.py)."""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
from typing import Any

from app.engine.priority import weigh_session

MAX_MESSAGE = 1 << 20  # bytes of one request (argv, environment): far more than an engine's


def send(sock: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(sock, [data], fds)
    else:
        sock.send(data)


def receive(sock: socket.socket, max_fds: int, size: int = MAX_MESSAGE) -> tuple[dict[str, Any] | None, list[int]]:
    """One message (at most `size` bytes) and the descriptors it carried; None at the end
    of the stream."""
    data, fds, _, _ = socket.recv_fds(sock, size, max_fds)
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    return json.loads(data), fds


class Launcher:
    """The launcher's loop: starts, reaps, reports."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.children: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, request: dict[str, Any], fds: list[int]) -> None:
        reply: dict[str, Any] = {"id": request["id"]}
        pidfd = -1
        try:
            out = fds[0]
            err = out if request.get("stderr") else subprocess.DEVNULL
            child = subprocess.Popen(
                request["argv"],
                cwd=request["cwd"],
                env=request["env"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                process_group=0,  # a signal to its group reaches what it starts
            )
            pidfd = os.pidfd_open(child.pid)  # before this loop could reap it
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            reply.update(error=str(getattr(exc, "strerror", None) or exc), errno=getattr(exc, "errno", None))
        else:
            self.children[child.pid] = child
            reply["pid"] = child.pid
        finally:
            for fd in fds:
                os.close(fd)
        try:
            send(self.sock, reply, [pidfd] if pidfd >= 0 else None)
        finally:
            if pidfd >= 0:
                os.close(pidfd)

    def reap(self) -> None:
        for pid, child in list(self.children.items()):
            if child.poll() is not None:
                del self.children[pid]
                send(self.sock, {"exited": pid, "code": child.returncode})

    def run(self) -> None:
        woken_r, woken_w = os.pipe()
        os.set_blocking(woken_r, False)
        os.set_blocking(woken_w, False)
        signal.set_wakeup_fd(woken_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ)
            selector.register(woken_r, selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self.sock:
                        request, fds = receive(self.sock, 2)
                        if request is None:  # SpawnIt is gone
                            return
                        self.start(request, fds)
                    else:
                        with contextlib.suppress(BlockingIOError):
                            while os.read(woken_r, 512):
                                pass
                self.reap()


def main() -> None:  # pragma: no cover - the launcher's process
    fd, nice = int(sys.argv[1]), int(sys.argv[2])
    sock = socket.socket(fileno=fd)
    send(sock, {"ready": True, "unweighed": weigh_session(os.getpid(), nice), "session": os.getsid(0)})
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        Launcher(sock).run()


if __name__ == "__main__":
    main()
