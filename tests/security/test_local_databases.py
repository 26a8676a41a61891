"""A tenant holding its database's password gets its database, not the host.

The database entries on `local` run real servers on SpawnIt's own machine. A superuser
login (PostgreSQL: `COPY ... TO PROGRAM`; MariaDB: FILE; Redis: `CONFIG SET dir`,
`MODULE LOAD`) runs programs and reads or writes files there as SpawnIt's uid. Each test
logs in with the credentials the tenant has, tries those, and checks that ordinary work
still goes through. Clients are the Debian packages' own (`.ci/run` installs them)."""

from __future__ import annotations

import shutil
import socket

import pytest

from tests.api.client import Api
from tests.api.test_catalog_entries import deploy, teardown
from tests.api.test_local_entries import mariadb, needs_mariadb, needs_postgres, psql
from tests.conftest import free_port


def refused(done) -> bool:
    """psql failed with PostgreSQL's refusal of a privilege."""
    text = done.stderr.lower()
    return done.returncode != 0 and ("permission denied" in text or "must be superuser" in text)


@needs_postgres
async def test_postgresql_tenant_is_no_superuser(api: Api, tmp_path) -> None:
    password = "pg-S3cret.pw"
    witness = tmp_path / "ran-on-the-host"
    service_id, outputs = await deploy(
        api, "postgresql", {"port": free_port(), "database": "shop", "user": "clerk", "password": password}
    )
    endpoint = outputs["endpoint"]

    def run(sql: str):
        return psql(endpoint, "clerk", password, "shop", sql)

    try:
        facts = run("select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user")
        assert facts.returncode == 0, facts.stderr
        assert facts.stdout.strip() == "f|f|f"
        to_program = run(f"COPY (SELECT 1) TO PROGRAM 'touch {witness}'")
        assert refused(to_program), to_program
        from_program = run("CREATE TEMP TABLE x (line text); COPY x FROM PROGRAM 'id'")
        assert refused(from_program), from_program
        read_file = run("SELECT pg_read_file('/etc/passwd')")
        assert refused(read_file), read_file
        role = run("CREATE ROLE intruder LOGIN SUPERUSER PASSWORD 'x'")
        assert refused(role), role
        memberships = run(
            "select count(*) from pg_auth_members m join pg_roles r on r.oid = m.roleid "
            "where m.member = (select oid from pg_roles where rolname = current_user)"
        )
        assert memberships.stdout.strip() == "0", memberships  # no pg_execute_server_program & co
        work = run("CREATE TABLE t (n int); INSERT INTO t VALUES (7), (35); SELECT sum(n) FROM t")
        assert work.returncode == 0 and work.stdout.strip().splitlines()[-1] == "42", work
        superuser = psql(endpoint, "spawnit-superuser", "", "postgres", "select 1")
        assert superuser.returncode != 0  # the cluster's own superuser never logs in over TCP
    finally:
        await teardown(api, service_id)
    assert not witness.exists()


@needs_mariadb
async def test_mariadb_tenant_has_its_database_only(api: Api, tmp_path) -> None:
    password, root_password = "app.S3cret-pw", "r00t.S3cret-pw"
    service_id, outputs = await deploy(
        api,
        "mariadb",
        {
            "port": free_port(),
            "database": "shop",
            "user": "clerk",
            "password": password,
            "root_password": root_password,
        },
    )
    endpoint = outputs["endpoint"]
    outfile = tmp_path / "written-by-mariadb"

    def run(sql: str, user: str = "clerk", secret: str = password):
        return mariadb(endpoint, user, secret, "shop", sql)

    try:
        # the root password is the tenant's own (it chose it, or reads it with revealSecret): root must not answer it
        root = run("SELECT LOAD_FILE('/etc/passwd')", "root", root_password)
        assert root.returncode != 0 and "Access denied" in root.stderr, root
        loaded = run("SELECT LOAD_FILE('/etc/passwd') IS NULL")
        assert loaded.returncode == 0 and loaded.stdout.strip() == "1", loaded
        out = run(f"SELECT 1 INTO OUTFILE '{outfile}'")
        assert out.returncode != 0 and "Access denied" in out.stderr, out
        assert not outfile.exists()
        grants = run("SHOW GRANTS")
        assert grants.returncode == 0, grants
        for line in grants.stdout.strip().splitlines():
            on_server = line.startswith("GRANT USAGE ON *.* TO ")
            assert on_server or line.startswith("GRANT ALL PRIVILEGES ON `shop`.* TO `clerk`@`%`"), line
            assert "WITH GRANT OPTION" not in line, line
        system = run("SELECT count(*) FROM mysql.global_priv")
        assert system.returncode != 0 and "denied" in system.stderr, system
        processes = run("SELECT count(*) FROM information_schema.processlist WHERE user <> 'clerk'")
        assert processes.returncode == 0 and processes.stdout.strip() == "0", processes  # no PROCESS
        work = run("CREATE TABLE t (n int); INSERT INTO t VALUES (7), (35); SELECT sum(n) FROM t")
        assert work.returncode == 0 and work.stdout.strip() == "42", work
    finally:
        await teardown(api, service_id)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed (.ci/run installs it)")
async def test_redis_client_cannot_reconfigure_the_server(api: Api, tmp_path) -> None:
    password = "s3cr3t-pw"
    service_id, outputs = await deploy(api, "redis", {"port": free_port(), "password": password})
    host, port = outputs["endpoint"].rsplit(":", 1)
    client = Resp(host, int(port))
    try:
        assert str(client.call("SET", "k", "v")).startswith("-NOAUTH")
        assert client.call("AUTH", password) == "+OK"
        assert client.call("SET", "k", "v") == "+OK"
        assert client.call("GET", "k") == b"v"
        accepted = []
        for words in (
            ("CONFIG", "SET", "dir", str(tmp_path)),
            ("CONFIG", "GET", "dir"),
            ("MODULE", "LOAD", str(tmp_path / "evil.so")),
            ("DEBUG", "SLEEP", "0"),
            ("REPLICAOF", "127.0.0.1", "1"),
            ("SLAVEOF", "127.0.0.1", "1"),
            ("SAVE",),
            ("BGSAVE",),
            ("ACL", "SETUSER", "default", "+@all"),
            ("SHUTDOWN", "NOSAVE"),
        ):
            answer = client.call(*words)
            if not (isinstance(answer, str) and any(w in answer for w in ("NOPERM", "not allowed", "unknown command"))):
                accepted.append((" ".join(words[:2]), answer))  # done, or refused only by chance
        assert accepted == []
        assert client.call("GET", "k") == b"v"  # still up, same data
    finally:
        client.close()
        await teardown(api, service_id)


class Resp:
    """The least of a Redis client: one connection, a command, its reply (status and
    error lines as str, bulk strings as bytes, arrays as lists)."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        self.file = self.sock.makefile("rb")

    def call(self, *words: str) -> object:
        frame = f"*{len(words)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in words)
        self.sock.sendall(frame.encode())
        return self._reply()

    def _reply(self) -> object:
        line = self.file.readline().rstrip(b"\r\n")
        if not line:
            return "(the server closed the connection)"
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return line.decode()
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise AssertionError(f"not a RESP reply: {line!r}")

    def close(self) -> None:
        self.file.close()
        self.sock.close()
