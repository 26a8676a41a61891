"""SpawnIt's side of the engines' launcher (app/engine/launcher_process.py): the launcher
started once, at the first engine, and again if it ever ends; each child it starts
watched as a `LaunchedChild`, which waits and answers like a child of SpawnIt's own.

A child is known by a pidfd the launcher opened before anything could reap it; its exit
status comes from the launcher, which reaps it. Should the launcher end while children
run, each is killed with its group (its parent-death signal already asked it to stop)
and its end seen through the pidfd: nothing it started runs on unseen."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.engine.launcher_process import receive, send
from app.engine.spawn import Child, StarterGone

log = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parent.parent.parent
READY_SECONDS = 20.0
RETRY_SECONDS = 60.0  # after a launcher that did not start, engines start directly this long
ANSWER_SIZE = 4096  # bytes: the launcher's messages are a few dozen
SEND_BUFFER = 4 << 20  # bytes: a request is sent whole or not at all


class LauncherGone(StarterGone):
    """The launcher could not start or ended: the caller starts the child itself."""


class LaunchedChild:
    """A child the launcher started: `pid`, `returncode` once it ended, `wait()`."""

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid, self._pidfd = pid, pidfd
        self._ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    @property
    def returncode(self) -> int | None:
        return self._ended.result() if self._ended.done() else None

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)

    def exited(self, code: int) -> None:
        """Reaped by the launcher with `code`."""
        self._close()
        if not self._ended.done():
            self._ended.set_result(code)

    def orphaned(self) -> None:
        """The launcher ended first: killed with its group, ended once its pidfd says so."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        if self._pidfd >= 0:
            asyncio.get_running_loop().add_reader(self._pidfd, self._gone)

    def _gone(self) -> None:
        self._close()
        if not self._ended.done():
            self._ended.set_result(-signal.SIGKILL)  # its status went with the launcher

    def _close(self) -> None:
        if self._pidfd >= 0:
            with contextlib.suppress(ValueError, RuntimeError):
                asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = -1


class Launcher:
    """Starts engines in the launcher's session, at niceness `nice` for the session."""

    def __init__(self, nice: int, python: str = sys.executable) -> None:
        self._nice, self._python = nice, python
        self._sock: socket.socket | None = None
        self._proc: Child | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[LaunchedChild]] = {}
        self._children: dict[int, LaunchedChild] = {}
        self._ready: asyncio.Future[dict[str, Any]] | None = None
        self._lock = asyncio.Lock()
        self._failed_at = -RETRY_SECONDS  # monotonic time of the last start that failed
        self.session: int | None = None  # the engines' session, once the launcher runs

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    async def spawn(
        self, argv: list[str], *, cwd: Path, env: Mapping[str, str], stdout: int, stderr_too: bool
    ) -> LaunchedChild:
        """`argv` started by the launcher, its output (and stderr, `stderr_too`) into the
        descriptor `stdout`; OSError as a direct start would raise it; LauncherGone when
        there is no launcher to ask."""
        sock = await self._running()
        request_id = next(self._ids)
        answer = self._pending[request_id] = asyncio.get_running_loop().create_future()
        request = {"id": request_id, "argv": argv, "cwd": str(cwd), "env": dict(env), "stderr": stderr_too}
        try:
            send(sock, request, [stdout])
        except OSError as exc:
            del self._pending[request_id]
            self._lost(f"a request could not be sent ({exc})")
            raise LauncherGone(f"the engines' launcher did not take the request: {exc}") from exc
        try:
            return await asyncio.shield(answer)
        except asyncio.CancelledError:
            answer.add_done_callback(self._unwanted)  # started for nobody: killed once known
            raise

    async def _running(self) -> socket.socket:
        async with self._lock:
            if self._sock is None:
                if time.monotonic() - self._failed_at < RETRY_SECONDS:
                    raise LauncherGone("the engines' launcher did not start a moment ago")
                try:
                    await asyncio.wait_for(self._start(), READY_SECONDS)
                except (OSError, TimeoutError, ValueError) as exc:
                    self._failed_at = time.monotonic()
                    self._lost(f"it did not start ({exc})")
                    raise LauncherGone(f"the engines' launcher did not start: {exc}") from exc
            assert self._sock is not None
            return self._sock

    async def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            argv = [self._python, "-m", "app.engine.launcher_process", str(theirs.fileno()), str(self._nice)]
            env = {"PATH": os.environ.get("PATH", os.defpath), "PYTHONPATH": str(_ROOT)}
            popen = await asyncio.to_thread(
                subprocess.Popen,
                argv,
                cwd=_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,  # the engines' session: a scheduler group of their own
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._proc, self._sock = Child(popen), ours
        ours.setblocking(False)
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        loop.add_reader(ours.fileno(), self._readable)
        hello = await self._ready
        self.session = int(hello["session"])
        if hello.get("unweighed"):
            log.warning("engines share a session of their own, but its niceness stays 0: %s", hello["unweighed"])

    def _readable(self) -> None:
        sock = self._sock
        while sock is not None and sock is self._sock:
            try:
                message, fds = receive(sock, 1, ANSWER_SIZE)
            except BlockingIOError:
                return
            except OSError as exc:
                message, fds = None, []
                log.warning("the engines' launcher's socket failed: %s", exc)
            if message is None:
                self._lost("it ended")
                return
            self._take(message, fds)

    def _take(self, message: dict[str, Any], fds: list[int]) -> None:
        if "ready" in message:
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(message)
        elif "exited" in message:
            child = self._children.pop(int(message["exited"]), None)
            if child is not None:
                child.exited(int(message["code"]))
        else:
            answer = self._pending.pop(int(message["id"]), None)
            if "pid" in message and fds:
                child = self._children[int(message["pid"])] = LaunchedChild(int(message["pid"]), fds[0])
                if answer is not None and not answer.done():
                    answer.set_result(child)
            elif answer is not None and not answer.done():
                answer.set_exception(OSError(message.get("errno"), message.get("error", "the launcher failed")))

    def _unwanted(self, answer: asyncio.Future[LaunchedChild]) -> None:
        if not answer.cancelled() and answer.exception() is None and answer.result().returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(answer.result().pid, signal.SIGKILL)  # reaped and reported as any child

    def _lost(self, why: str, *, kill: bool = True) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(ValueError, RuntimeError):
                asyncio.get_running_loop().remove_reader(sock.fileno())
            sock.close()
        if self._children or self._pending:
            log.warning(
                "the engines' launcher is gone (%s): its %d running child(ren) killed", why, len(self._children)
            )
        gone = LauncherGone(f"the engines' launcher is gone: {why}")
        waiting: list[asyncio.Future[Any]] = [*self._pending.values(), *([self._ready] if self._ready else [])]
        for answer in waiting:
            if not answer.done():
                answer.set_exception(gone)
        self._pending.clear()
        children, self._children = list(self._children.values()), {}
        for child in children:
            child.orphaned()
        if kill and self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._proc.pid, signal.SIGKILL)

    async def close(self) -> None:
        """The launcher told to end (its socket closed) and reaped."""
        async with self._lock:
            proc = self._proc
            if self._sock is not None:
                self._lost("SpawnIt stopped", kill=False)  # it ends at the end of its socket
            if proc is not None:
                try:
                    await asyncio.wait_for(proc.wait(), 5)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(proc.pid, signal.SIGKILL)
                    await proc.wait()
