"""SpawnIt's launcher of PostgreSQL on the `local` target (shipped as the service's start.py).

The local target runs one command, without a shell, in the service's working folder.
This script prepares a database cluster there on first start, then replaces itself with
the `postgres` server in the foreground, listening on 127.0.0.1 only and on no Unix
socket. The password comes from the environment (POSTGRES_PASSWORD), never from the
command line or a file, and is removed from the environment the server inherits.

The tenant's login is never the superuser: a PostgreSQL superuser runs programs on the
host (`COPY ... FROM PROGRAM`) and reads and writes its files. The cluster's bootstrap
superuser is a separate role, `spawnit-superuser`, with a random password that is made
here, used by nobody and kept nowhere, and refused on every connection by `pg_hba.conf`.
The tenant's user is an ordinary role (NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
NOBYPASSRLS, member of no role) that owns its database.

PostgreSQL refuses to run as root. Started by root (a SpawnIt run as root), the script
first enters a new user namespace in which it is an ordinary user (the `postgres`
account, else `nobody`) mapped to root outside, so that the server runs and can still
reach the working folder, whatever the permissions of the folders above it.
"""

import argparse
import ctypes
import glob
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys

DATA = "data"
PROGRAMS = ("initdb", "postgres")
SUPERUSER = "spawnit-superuser"  # the tenant's user name cannot take this spelling (no "-")
HBA = f"""# written by SpawnIt's start.py: the superuser never logs in, everyone else with a password
host all "{SUPERUSER}" all reject
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


def log(message):
    print(f"start.py: {message}", flush=True)


def _version(path):
    return [int(n) for n in re.findall(r"\d+", path)]


def find_bindir():
    """A folder holding both initdb and postgres: PATH first, then the usual places of
    distribution packages (Debian/Ubuntu keep the server programs off PATH)."""
    dirs = []
    on_path = shutil.which("postgres")
    if on_path:
        dirs.append(os.path.dirname(os.path.realpath(on_path)))
    found = glob.glob("/usr/lib/postgresql/*/bin") + glob.glob("/usr/pgsql-*/bin")
    dirs += sorted(found, key=_version, reverse=True)
    for folder in dirs:
        if all(os.access(os.path.join(folder, p), os.X_OK) for p in PROGRAMS):
            return folder
    sys.exit("start.py: PostgreSQL server programs (initdb, postgres) not found")


def leave_root():
    """Become an ordinary user inside a new user namespace, mapped to root outside."""
    if os.geteuid() != 0:
        return
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        account = pwd.getpwnam("nobody")
    libc = ctypes.CDLL(None, use_errno=True)
    clone_newuser = 0x10000000
    if libc.unshare(clone_newuser) != 0:
        err = ctypes.get_errno()
        sys.exit(f"start.py: PostgreSQL cannot run as root and no user namespace could be made: {os.strerror(err)}")
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{account.pw_uid} 0 1"),
        ("gid_map", f"{account.pw_gid} 0 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    log(f"running as {account.pw_name} in a user namespace (PostgreSQL refuses root)")


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def single_user(bindir, sql):
    """Run SQL statements with the server in single-user mode (before it listens)."""
    done = subprocess.run(
        [os.path.join(bindir, "postgres"), "--single", "-D", DATA, "-j", "postgres"],
        input=sql,
        text=True,
        capture_output=True,
    )
    if done.returncode != 0 or "ERROR:" in done.stdout + done.stderr:
        sys.exit(f"start.py: setting up the database failed:\n{done.stderr.strip()}")


def sql_string(value):
    return "'" + value.replace("'", "''") + "'"


def init_cluster(bindir, user, password, database):
    log("creating the database cluster")
    done = subprocess.run(
        [
            os.path.join(bindir, "initdb"),
            "-D",
            DATA,
            "-U",
            SUPERUSER,
            "-E",
            "UTF8",
            "--locale=C",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "--pwfile=/dev/stdin",
        ],
        input=secrets.token_urlsafe(32) + "\n",  # known to nobody: the superuser never logs in
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if done.returncode != 0:
        shutil.rmtree(DATA, ignore_errors=True)  # a half-made cluster would block the next start
        sys.exit(f"start.py: initdb failed:\n{done.stderr.strip()}")
    with open(os.path.join(DATA, "pg_hba.conf"), "w") as f:
        f.write(HBA)
    role, db = quote_ident(user), quote_ident(database)
    statements = [
        f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
        f"PASSWORD {sql_string(password)};",
        f"ALTER DATABASE {db} OWNER TO {role};" if database == "postgres" else f"CREATE DATABASE {db} OWNER {role};",
    ]
    try:
        single_user(bindir, "\n\n".join(statements) + "\n\n")  # -j: ";" + blank line ends one
    except SystemExit:
        shutil.rmtree(DATA, ignore_errors=True)
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--max-connections", type=int, default=20)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    password = os.environ.get("POSTGRES_PASSWORD", "")
    if not password:
        sys.exit("start.py: POSTGRES_PASSWORD is empty: the server would accept no login")
    bindir = find_bindir()
    leave_root()
    if not os.path.exists(os.path.join(DATA, "PG_VERSION")):
        shutil.rmtree(DATA, ignore_errors=True)
        init_cluster(bindir, args.user, password, args.database)
    env = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}
    argv = [
        "postgres",
        "-D",
        DATA,
        "-p",
        str(args.port),
        "-c",
        f"listen_addresses={args.host}",
        "-c",
        "unix_socket_directories=",
        "-c",
        f"max_connections={args.max_connections}",
        "-c",
        "password_encryption=scram-sha-256",
    ]
    log(f"starting PostgreSQL on {args.host}:{args.port}")
    os.execve(os.path.join(bindir, "postgres"), argv, env)


if __name__ == "__main__":
    main()
