"""DOCKER_HOST as the docker provider reads it: tcp with TLS (a real TLS server that
requires the client's certificate, made here with `cryptography`) and ssh (an `ssh`
program on PATH that speaks for the remote `docker system dial-stdio`)."""

from __future__ import annotations

import asyncio
import datetime
import ssl
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.catalog.docker_ping import ping_docker


def _cert(name: str, issuer: tuple | None, *, ca: bool = False, server: bool = False):  # type: ignore[no-untyped-def]
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    signer_cert, signer_key = issuer if issuer else (None, key)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_cert.subject if signer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    return builder.sign(signer_key, hashes.SHA256()), key


def _write(folder: Path, name: str, cert, key) -> None:  # type: ignore[no-untyped-def]
    (folder / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (folder / f"{name.replace('cert', 'key')}.pem").write_bytes(pem)


@pytest.fixture
async def tls_daemon(tmp_path: Path) -> AsyncIterator[tuple[int, Path]]:
    """A TLS 'daemon' on localhost that answers a ping only to a client with a certificate
    of its CA: (port, the client's DOCKER_CERT_PATH)."""
    ca = _cert("test ca", None, ca=True)
    server = _cert("localhost", ca, server=True)
    client = _cert("client", ca)
    certs, own = tmp_path / "client", tmp_path / "server"
    certs.mkdir()
    own.mkdir()
    _write(certs, "ca", ca[0], None)
    _write(certs, "cert", *client)
    _write(own, "cert", *server)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs / "ca.pem"))
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(str(own / "cert.pem"), str(own / "key.pem"))

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    daemon = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    try:
        yield daemon.sockets[0].getsockname()[1], certs
    finally:
        daemon.close()
        await daemon.wait_closed()


async def test_tcp_with_tls_uses_the_cert_path(tls_daemon: tuple[int, Path]) -> None:
    port, certs = tls_daemon
    host = f"tcp://localhost:{port}"
    assert await ping_docker(host, env={"DOCKER_CERT_PATH": str(certs), "DOCKER_TLS_VERIFY": "1"}) is None
    plain = await ping_docker(host, env={})  # no TLS: the daemon does not answer in plain text
    assert plain is not None and host in plain


async def test_tls_verify_refuses_a_daemon_of_another_ca(tls_daemon: tuple[int, Path], tmp_path: Path) -> None:
    port, certs = tls_daemon
    other = tmp_path / "other"
    other.mkdir()
    for name in ("cert.pem", "key.pem"):
        (other / name).write_bytes((certs / name).read_bytes())
    _write(other, "ca", _cert("another ca", None, ca=True)[0], None)
    problem = await ping_docker(
        f"tcp://localhost:{port}", env={"DOCKER_CERT_PATH": str(other), "DOCKER_TLS_VERIFY": "1"}
    )
    assert problem is not None and "no Docker daemon answers" in problem


async def test_ssh_runs_dial_stdio_without_a_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    argv_file = tmp_path / "argv"
    answer = (
        "import sys; open(sys.argv[1], 'w').write('\\n'.join(sys.argv[2:])); "
        "request = sys.stdin.buffer.readline(); "
        "sys.stdout.buffer.write(b'HTTP/1.1 200 OK\\r\\n\\r\\n' if request.startswith(b'GET /_ping') else b'HTTP/1.1 400 x\\r\\n'); "
        "sys.stdout.flush()"
    )
    (tools / "ssh").write_text(f'#!/bin/sh\nexec {sys.executable} -c "{answer}" {argv_file} "$@"\n')
    (tools / "ssh").chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    assert await ping_docker("ssh://deploy@docker.example:2222") is None
    argv = argv_file.read_text().split("\n")
    assert argv == [
        "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-p", "2222", "--",
        "deploy@docker.example", "docker", "system", "dial-stdio",
    ]  # fmt: skip
    (tools / "ssh").write_text("#!/bin/sh\nexit 255\n")
    problem = await ping_docker("ssh://docker.example")
    assert problem is not None and "ssh ended without an answer" in problem
