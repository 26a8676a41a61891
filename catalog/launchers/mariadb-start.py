"""SpawnIt's launcher of MariaDB on the `local` target (shipped as the service's start.py).

The local target runs one command, without a shell, in the service's working folder.
This script makes the system tables there on first start (`mariadb-install-db`), sets
the passwords of `root` and of the application user and creates the application's
database (SQL given to the server in bootstrap mode on its standard input, so no
password ever reaches a file or a command line), then replaces itself with `mariadbd`
in the foreground, listening on 127.0.0.1 only. The password comes from the
environment (MARIADB_PASSWORD) and is removed from the environment the server inherits.

The tenant gets its database and nothing of the server: the application user holds
every privilege on that database only (no FILE, SUPER, PROCESS, GRANT OPTION, nothing on
`mysql.*`). `root`, whose FILE privilege reads and writes the host's files, exists as
`root@localhost` only, that is over the server's Unix socket, with a random password
made here and kept nowhere: on this target nobody logs in as root (MARIADB_ROOT_PASSWORD,
which the docker and aws targets give root, is ignored here).

Started by root (a SpawnIt run as root), the script first enters a new user namespace
in which it is an ordinary user (the `mysql` account, else `nobody`) mapped to root
outside: the server never runs as root, and can still reach the working folder.
"""

import argparse
import ctypes
import hashlib
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile

DATA = "data"
SECRETS = ("MARIADB_ROOT_PASSWORD", "MARIADB_PASSWORD")  # neither reaches the server


def log(message):
    print(f"start.py: {message}", flush=True)


def find(program, *elsewhere):
    """`program` on PATH, else in the folders distribution packages use (sbin, libexec)."""
    found = shutil.which(program)
    if found:
        return found
    for folder in elsewhere:
        path = os.path.join(folder, program)
        if os.access(path, os.X_OK):
            return path
    return None


def programs():
    server = None
    for name in ("mariadbd", "mysqld"):
        server = server or find(name, "/usr/sbin", "/usr/libexec", "/usr/local/sbin")
    install = find("mariadb-install-db") or find("mysql_install_db")
    if not server or not install:
        sys.exit("start.py: MariaDB server programs (mariadbd, mariadb-install-db) not found")
    return server, install


def leave_root():
    """Become an ordinary user inside a new user namespace, mapped to root outside."""
    if os.geteuid() != 0:
        return
    try:
        account = pwd.getpwnam("mysql")
    except KeyError:
        account = pwd.getpwnam("nobody")
    libc = ctypes.CDLL(None, use_errno=True)
    clone_newuser = 0x10000000
    if libc.unshare(clone_newuser) != 0:
        err = ctypes.get_errno()
        sys.exit(f"start.py: refusing to run MariaDB as root, and no user namespace could be made: {os.strerror(err)}")
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{account.pw_uid} 0 1"),
        ("gid_map", f"{account.pw_gid} 0 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    log(f"running as {account.pw_name} in a user namespace")


def socket_path():
    """The server's Unix socket: in the working folder when its path is short enough
    (sun_path holds 107 bytes), else under the temporary folder."""
    here = os.path.join(os.getcwd(), "mariadb.sock")
    if len(here.encode()) < 100:
        return here
    digest = hashlib.sha256(os.getcwd().encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"spawnit-mariadb-{digest}.sock")


def sql_string(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def sql_ident(name):
    return "`" + name.replace("`", "``") + "`"


def init_data(server, install, user, database, password):
    log("creating the system tables")
    made = subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={os.path.abspath(DATA)}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if made.returncode != 0:
        shutil.rmtree(DATA, ignore_errors=True)  # a half-made folder would block the next start
        sys.exit(f"start.py: mariadb-install-db failed:\n{made.stderr.strip()}")
    root_password = secrets.token_urlsafe(32)  # known to nobody: root never logs in
    statements = [
        "FLUSH PRIVILEGES;",
        # only root@localhost (the socket) is kept, and it gets a password: no account without one remains
        "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');",
        "DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';",
        "FLUSH PRIVILEGES;",
        f"ALTER USER 'root'@'localhost' IDENTIFIED BY {sql_string(root_password)};",
        f"CREATE DATABASE IF NOT EXISTS {sql_ident(database)};",
        # 'root'@'%' (a user named root) is another account than root@localhost: ordinary too
        f"CREATE USER {sql_string(user)}@'%' IDENTIFIED BY {sql_string(password)};",
        f"GRANT ALL PRIVILEGES ON {sql_ident(database)}.* TO {sql_string(user)}@'%';",
    ]
    done = subprocess.run(
        [
            server,
            "--no-defaults",
            "--bootstrap",
            f"--datadir={os.path.abspath(DATA)}",
            "--skip-networking",
            f"--socket={socket_path()}",
            "--log-warnings=0",
        ],
        input="\n".join(statements) + "\n",
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    if done.returncode != 0:
        shutil.rmtree(DATA, ignore_errors=True)
        sys.exit(f"start.py: setting up users and database failed:\n{done.stderr.strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--max-connections", type=int, default=50)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()

    password = os.environ.get("MARIADB_PASSWORD", "")
    if not password:
        sys.exit("start.py: MARIADB_PASSWORD must not be empty")
    server, install = programs()
    leave_root()
    if not os.path.isdir(os.path.join(DATA, "mysql")):
        shutil.rmtree(DATA, ignore_errors=True)
        init_data(server, install, args.user, args.database, password)
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    argv = [
        "mariadbd",
        "--no-defaults",
        f"--datadir={os.path.abspath(DATA)}",
        f"--port={args.port}",
        f"--bind-address={args.host}",
        f"--socket={socket_path()}",
        "--skip-name-resolve",
        f"--max-connections={args.max_connections}",
        f"--pid-file={os.path.abspath('mariadbd.pid')}",
        "--innodb-buffer-pool-size=32M",
        "--skip-log-bin",
    ]
    log(f"starting MariaDB on {args.host}:{args.port}")
    os.execve(server, argv, env)


if __name__ == "__main__":
    main()
