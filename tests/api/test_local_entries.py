"""Entry by entry, on the `local` target, through the API: the database entries run here
for real and enforce their passwords (checked with the clients of the Debian packages,
which `.ci/run` installs: psql from postgresql, mariadb from mariadb-server)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.api.client import Api
from tests.api.test_catalog_entries import deploy, teardown
from tests.conftest import free_port


def psql(endpoint: str, user: str, password: str, database: str, sql: str) -> subprocess.CompletedProcess:
    host, port = endpoint.rsplit(":", 1)
    env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"}
    return subprocess.run(
        ["psql", "-h", host, "-p", port, "-U", user, "-d", database, "-w", "-tA", "-c", sql],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def mariadb(endpoint: str, user: str, password: str, database: str, sql: str) -> subprocess.CompletedProcess:
    host, port = endpoint.rsplit(":", 1)
    env = {**os.environ, "MYSQL_PWD": password}
    return subprocess.run(
        [
            "mariadb",
            "--protocol=TCP",
            "-h",
            host,
            "-P",
            port,
            "-u",
            user,
            "--connect-timeout=5",
            "-N",
            "-B",
            "-e",
            sql,
            database,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


async def masked_variables(api: Api, service_id: str) -> dict:
    query = "query($id: ID!) { service(id: $id) { variables } }"
    return (await api.run(query, id=service_id))["service"]["variables"]


needs_postgres = pytest.mark.skipif(
    shutil.which("pg_ctlcluster") is None or shutil.which("psql") is None,
    reason="PostgreSQL is not installed (.ci/run installs the postgresql package)",
)
needs_mariadb = pytest.mark.skipif(
    shutil.which("mariadb-install-db") is None or shutil.which("mariadb") is None,
    reason="MariaDB is not installed (.ci/run installs the mariadb-server package)",
)


@needs_postgres
async def test_postgresql_runs_on_local_and_enforces_its_password(api: Api) -> None:
    password = "pg-S3cret.pw"
    service_id, outputs = await deploy(
        api,
        "postgresql",
        {"port": free_port(), "database": "shop", "user": "clerk", "password": password},
    )
    endpoint = outputs["endpoint"]
    assert endpoint.startswith("127.0.0.1:")
    try:
        ok = psql(endpoint, "clerk", password, "shop", "select current_user || '@' || current_database()")
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.strip() == "clerk@shop"
        wrong = psql(endpoint, "clerk", "not-the-password", "shop", "select 1")
        assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr
        other = psql(endpoint, "postgres", "", "postgres", "select 1")
        assert other.returncode != 0  # no other account, none without a password
        assert (await masked_variables(api, service_id))["password"] == "********"
    finally:
        await teardown(api, service_id)
    assert psql(endpoint, "clerk", password, "shop", "select 1").returncode != 0  # gone


@needs_postgres
async def test_postgresql_shows_its_connection_details_with_the_password_masked(api: Api) -> None:
    service_id, outputs = await deploy(api, "postgresql", {"port": free_port(), "database": "shop", "user": "clerk"})
    try:
        query = "query($id: ID!) { service(id: $id) { connection { name value } } }"
        shown = {d["name"]: d["value"] for d in (await api.run(query, id=service_id))["service"]["connection"]}
        host, port = outputs["endpoint"].rsplit(":", 1)
        assert shown["address"] == outputs["endpoint"]
        assert shown["connection_string"] == f"postgresql://clerk:********@{host}:{port}/shop"
        assert shown["psql"] == f"psql -h {host} -p {port} -U clerk shop"
        # the masked string with the revealed password logs in: the details are the real ones
        reveal = 'mutation($id: ID!) { revealSecret(id: $id, field: "password") }'
        password = (await api.run(reveal, id=service_id))["revealSecret"]
        assert password not in str(shown) and len(password) == 32
        ok = psql(outputs["endpoint"], "clerk", password, "shop", "select current_database()")
        assert ok.returncode == 0 and ok.stdout.strip() == "shop", ok.stderr
    finally:
        await teardown(api, service_id)


@needs_postgres
async def test_postgresql_generates_a_password_when_none_is_given(api: Api) -> None:
    service_id, outputs = await deploy(api, "postgresql", {"port": free_port()})
    try:
        refused = psql(outputs["endpoint"], "app", "", "app", "select 1")
        assert refused.returncode != 0
        assert (await masked_variables(api, service_id))["password"] == "********"
    finally:
        await teardown(api, service_id)


@needs_mariadb
async def test_mariadb_runs_on_local_and_enforces_its_passwords(api: Api) -> None:
    password, root_password = "app.S3cret-pw", "root.S3cret-pw"
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
    assert endpoint.startswith("127.0.0.1:")
    try:
        ok = mariadb(endpoint, "clerk", password, "shop", "select concat(current_user(), ' ', database())")
        assert ok.returncode == 0, ok.stderr
        assert ok.stdout.strip() == "clerk@% shop"
        created = mariadb(
            endpoint, "clerk", password, "shop", "create table t (n int); insert into t values (7); select n from t"
        )
        assert created.returncode == 0 and created.stdout.strip() == "7", created.stderr
        # on local, root logs in over the server's socket only, with a password nobody is given
        for user, wrong in (("clerk", "nope"), ("root", ""), ("root", password), ("root", root_password)):
            refused = mariadb(endpoint, user, wrong, "shop", "select 1")
            assert refused.returncode != 0 and "Access denied" in refused.stderr, (user, refused.stderr)
        variables = await masked_variables(api, service_id)
        assert variables["password"] == variables["root_password"] == "********"
    finally:
        await teardown(api, service_id)
    assert mariadb(endpoint, "clerk", password, "shop", "select 1").returncode != 0  # gone


needs_wordpress = pytest.mark.skipif(
    not (shutil.which("php") and os.path.isfile("/usr/share/wordpress/wp-settings.php") and shutil.which("mariadbd"))
    and not os.environ.get("CI"),
    reason="Debian's wordpress, php-cli, php-mysql and mariadb-server are not installed (.ci/run installs them)",
)


@needs_wordpress
async def test_wordpress_runs_on_local_from_debians_packages_and_installs(api: Api) -> None:
    import urllib.parse
    import urllib.request

    service_id, outputs = await deploy(api, "wordpress", {"port": free_port()})
    endpoint = outputs["endpoint"]
    try:
        with urllib.request.urlopen(endpoint, timeout=30) as response:  # / redirects to the installer
            assert response.status == 200 and response.url.endswith("/wp-admin/install.php")
            assert "WordPress" in response.read().decode()
        # the installer writes to the service's own MariaDB: WordPress logged in to it
        form = {
            "weblog_title": "SpawnIt test blog",
            "user_name": "admin",
            "admin_password": "Very-Str0ng-pass-123",
            "admin_password2": "Very-Str0ng-pass-123",
            "admin_email": "admin@example.com",
            "blog_public": "0",
        }
        data = urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(endpoint + "wp-admin/install.php?step=2", data=data, timeout=60) as response:
            assert response.status == 200
        with urllib.request.urlopen(endpoint, timeout=30) as response:
            assert response.status == 200 and "<title>SpawnIt test blog</title>" in response.read().decode()
        # Debian's machine-wide configuration is not what answers, and no secret file is served
        for path in ("salts.php", "mysql-data/mysql/user.frm", "wp-config.php"):
            try:
                with urllib.request.urlopen(endpoint + path, timeout=10) as response:
                    assert "define(" not in response.read().decode(errors="replace"), path
            except urllib.error.HTTPError as exc:
                assert exc.code == 404, path
    finally:
        await teardown(api, service_id)
