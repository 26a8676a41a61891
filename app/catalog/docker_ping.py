"""Whether a Docker daemon answers at `DOCKER_HOST`, the way the docker provider reaches
it: a unix socket; `tcp://` in plain text, or with TLS when `DOCKER_CERT_PATH` is set
(its `ca.pem`, `cert.pem`, `key.pem`; the server checked against `ca.pem` when
`DOCKER_TLS_VERIFY` is set, as Docker's own client does); `ssh://[user@]host[:port]`
through `ssh ... docker system dial-stdio` (an argument list, no shell, batch mode: a
key or an agent, never a prompt)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

PING = b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"
SSH_TIMEOUT = 10.0  # an ssh connection takes longer than a socket's


async def ping_docker(docker_host: str, timeout: float = 1.0, env: Mapping[str, str] | None = None) -> str | None:
    """None when the daemon at `docker_host` answers `GET /_ping` with 200, else why not."""
    env = env or {}
    parts = urlsplit(docker_host)
    if parts.scheme == "ssh" and parts.hostname:
        return await _over_ssh(docker_host, parts, max(timeout, SSH_TIMEOUT))
    try:
        if parts.scheme == "unix":
            opened = asyncio.open_unix_connection(parts.path)
        elif parts.scheme in ("tcp", "http", "https") and parts.hostname:
            tls = _tls(env) if parts.scheme == "https" or env.get("DOCKER_CERT_PATH") else None
            port = parts.port or (2376 if tls else 2375)
            opened = asyncio.open_connection(parts.hostname, port, ssl=tls)
        else:
            return f"DOCKER_HOST {docker_host!r} is not a unix://, tcp:// or ssh:// address"
        reader, writer = await asyncio.wait_for(opened, timeout)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        return f"no Docker daemon answers at {docker_host} ({_why(exc)})"
    try:
        writer.write(PING)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), timeout)
    except (OSError, TimeoutError) as exc:
        return f"the Docker daemon at {docker_host} did not answer a ping ({type(exc).__name__})"
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
    return _verdict(docker_host, status)


def _tls(env: Mapping[str, str]) -> ssl.SSLContext:
    folder = Path(env.get("DOCKER_CERT_PATH") or Path.home() / ".docker")
    ca = folder / "ca.pem"
    context = ssl.create_default_context(cafile=str(ca) if ca.is_file() else None)
    if not env.get("DOCKER_TLS_VERIFY"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if (folder / "cert.pem").is_file() and (folder / "key.pem").is_file():
        context.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
    return context


def ssh_argv(parts: SplitResult, timeout: float) -> list[str]:
    """The ssh command that reaches the remote daemon's socket, as Docker's CLI runs it."""
    destination = f"{parts.username}@{parts.hostname}" if parts.username else str(parts.hostname)
    argv = ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, int(timeout))}"]
    if parts.port:
        argv += ["-p", str(parts.port)]
    return [*argv, "--", destination, "docker", "system", "dial-stdio"]


async def _over_ssh(docker_host: str, parts: SplitResult, timeout: float) -> str | None:
    try:
        proc = await asyncio.create_subprocess_exec(
            *ssh_argv(parts, timeout),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        return f"no Docker daemon answers at {docker_host} (ssh: {_why(exc)})"
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(PING)
        await proc.stdin.drain()
        status = await asyncio.wait_for(proc.stdout.readline(), timeout)
    except OSError:  # ssh went away before it read the ping
        status = b""
    except TimeoutError:
        return f"the Docker daemon at {docker_host} did not answer a ping over ssh (TimeoutError)"
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
    if not status:
        return f"no Docker daemon answers at {docker_host} (ssh ended without an answer)"
    return _verdict(docker_host, status)


def _verdict(docker_host: str, status: bytes) -> str | None:
    if status.split()[1:2] != [b"200"]:
        return f"the Docker daemon at {docker_host} refused a ping ({status.decode(errors='replace').strip()})"
    return None


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or getattr(exc, "reason", None) or type(exc).__name__
