"""SpawnIt's launcher of WordPress on the `local` target (shipped as the service's start.py).

The local target runs one command, without a shell, in the service's working folder.
WordPress needs two servers, so this script starts both, from Debian's packages:

- MariaDB (`mariadbd`), on a Unix socket in the working folder and on no TCP port: only
  WordPress reaches it. Its system tables are made on first start, with the database
  `wordpress` and its user `wordpress`@`localhost` (password WORDPRESS_DB_PASSWORD, from
  the environment); root exists as `root@localhost` with a random password kept nowhere.
- PHP's own web server (`php -S`) on 127.0.0.1 and the service's port, serving Debian's
  WordPress (`/usr/share/wordpress`, read-only) through a folder of links, `site/`, beside
  which sit this service's own wp-config.php and wp-content (uploads are the service's;
  themes and plugins are Debian's, read-only: DISALLOW_FILE_MODS). Debian's own
  configuration (/etc/wordpress, one per host name for the whole machine) is not used:
  `auto_prepend_file` sets ABSPATH to `site/`, so WordPress loads this service's config.

The script then replaces itself with PHP's server; MariaDB stays in its process group, so
the local target stops both together. Started by root (a SpawnIt run as root), it first
enters a user namespace in which it is an ordinary user (`www-data`, else `nobody`).
"""

import argparse
import ctypes
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time

WORDPRESS = "/usr/share/wordpress"
DATA = "mysql-data"
SITE = "site"
CONTENT = "wp-content"
OWN = ("wp-config.php", "wp-content", ".htaccess")  # what site/ does not link from Debian
SALTS = ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
         "LOGGED_IN_SALT", "NONCE_SALT")  # fmt: skip


def log(message):
    print(f"start.py: {message}", flush=True)


def find(program, *elsewhere):
    found = shutil.which(program)
    if found:
        return found
    for folder in elsewhere:
        path = os.path.join(folder, program)
        if os.access(path, os.X_OK):
            return path
    return None


def programs():
    server = find("mariadbd", "/usr/sbin") or find("mysqld", "/usr/sbin")
    install = find("mariadb-install-db") or find("mysql_install_db")
    php = find("php")
    missing = [n for n, p in (("mariadbd", server), ("mariadb-install-db", install), ("php", php)) if not p]
    if missing or not os.path.isfile(os.path.join(WORDPRESS, "wp-settings.php")):
        sys.exit(f"start.py: needs Debian's wordpress, php-cli, php-mysql and mariadb-server (missing: {missing})")
    return server, install, php


def leave_root():
    """Become an ordinary user inside a new user namespace, mapped to root outside."""
    if os.geteuid() != 0:
        return
    try:
        account = pwd.getpwnam("www-data")
    except KeyError:
        account = pwd.getpwnam("nobody")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
        sys.exit(f"start.py: refusing to run as root, and no user namespace: {os.strerror(ctypes.get_errno())}")
    for name, text in (
        ("setgroups", "deny"),
        ("uid_map", f"{account.pw_uid} 0 1"),
        ("gid_map", f"{account.pw_gid} 0 1"),
    ):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)
    log(f"running as {account.pw_name} in a user namespace")


def socket_path():
    """MariaDB's socket: in the working folder when the path is short enough for sun_path."""
    here = os.path.join(os.getcwd(), "mariadb.sock")
    if len(here.encode()) < 100:
        return here
    digest = hashlib.sha256(os.getcwd().encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"spawnit-wordpress-{digest}.sock")


def sql_string(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def init_data(server, install, password):
    log("creating MariaDB's system tables")
    made = subprocess.run(
        [install, "--no-defaults", f"--datadir={os.path.abspath(DATA)}", "--auth-root-authentication-method=normal",
         "--skip-test-db", "--skip-name-resolve"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    if made.returncode != 0:
        shutil.rmtree(DATA, ignore_errors=True)
        sys.exit(f"start.py: mariadb-install-db failed:\n{made.stderr.strip()}")
    statements = [
        "FLUSH PRIVILEGES;",
        "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');",
        "DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';",
        "FLUSH PRIVILEGES;",
        f"ALTER USER 'root'@'localhost' IDENTIFIED BY {sql_string(secrets.token_urlsafe(32))};",
        "CREATE DATABASE IF NOT EXISTS `wordpress`;",
        f"CREATE USER 'wordpress'@'localhost' IDENTIFIED BY {sql_string(password)};",
        "GRANT ALL PRIVILEGES ON `wordpress`.* TO 'wordpress'@'localhost';",
    ]
    done = subprocess.run(
        [server, "--no-defaults", "--bootstrap", f"--datadir={os.path.abspath(DATA)}", "--skip-networking",
         f"--socket={socket_path()}", "--log-warnings=0"],
        input="\n".join(statements) + "\n", text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(DATA, ignore_errors=True)
        sys.exit(f"start.py: setting up WordPress's database failed:\n{done.stderr.strip()}")


def start_database(server, env):
    """mariadbd in the background (same process group), answering on its socket."""
    path = socket_path()
    if os.path.exists(path):
        os.unlink(path)
    argv = [
        "mariadbd", "--no-defaults", f"--datadir={os.path.abspath(DATA)}", "--skip-networking",
        f"--socket={path}", "--skip-name-resolve", "--max-connections=30",
        f"--pid-file={os.path.abspath('mariadbd.pid')}", "--innodb-buffer-pool-size=32M", "--skip-log-bin",
    ]  # fmt: skip
    proc = subprocess.Popen(argv, executable=server, env=env, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"start.py: MariaDB stopped at start (exit {proc.returncode})")
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path)
            return path
        except OSError:
            time.sleep(0.2)  # polling a server's socket, not synchronising a test
    proc.kill()
    sys.exit("start.py: MariaDB did not open its socket within 120 s")


def link_site():
    """site/: a link to each of Debian's WordPress files, and this service's own content."""
    os.makedirs(SITE, exist_ok=True)
    for name in os.listdir(WORDPRESS):
        link = os.path.join(SITE, name)
        if name not in OWN and not os.path.lexists(link):
            os.symlink(os.path.join(WORDPRESS, name), link)
    content = os.path.join(SITE, CONTENT)
    os.makedirs(os.path.join(content, "uploads"), exist_ok=True)
    for name in ("themes", "plugins"):
        link = os.path.join(content, name)
        if not os.path.lexists(link):
            os.symlink(os.path.join(WORDPRESS, CONTENT, name), link)


def salts():
    """The keys and salts of this site: made once, kept in a file only this service reads."""
    path = "salts.php"
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("<?php\n")
            for name in SALTS:
                f.write(f"define('{name}', '{secrets.token_hex(32)}');\n")
    return os.path.abspath(path)


def write_config(db_socket, salts_file, table_prefix):
    site = os.path.abspath(SITE)
    config = f"""<?php
// written by SpawnIt's start.py on every start: this service's WordPress, not the machine's
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD'));
define('DB_HOST', 'localhost:{db_socket}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
require_once '{salts_file}';
$table_prefix = '{table_prefix}';
define('WP_CONTENT_DIR', '{site}/{CONTENT}');
define('DISALLOW_FILE_MODS', true);
define('WP_AUTO_UPDATE_CORE', false);
define('AUTOMATIC_UPDATER_DISABLED', true);
require_once ABSPATH . 'wp-settings.php';
"""
    with open(os.path.join(SITE, "wp-config.php"), "w") as f:
        f.write(config)
    with open("prepend.php", "w") as f:
        f.write("<?php\nif (!defined('ABSPATH')) define('ABSPATH', '" + site + "/');\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--table-prefix", default="wp_")
    args = parser.parse_args()

    password = os.environ.get("WORDPRESS_DB_PASSWORD", "")
    if not password:
        sys.exit("start.py: WORDPRESS_DB_PASSWORD must not be empty")
    server, install, php = programs()
    leave_root()
    if not os.path.isdir(os.path.join(DATA, "mysql")):
        shutil.rmtree(DATA, ignore_errors=True)
        init_data(server, install, password)
    database_env = {k: v for k, v in os.environ.items() if k != "WORDPRESS_DB_PASSWORD"}
    db_socket = start_database(server, database_env)
    link_site()
    write_config(db_socket, salts(), args.table_prefix)
    argv = ["php", "-d", f"auto_prepend_file={os.path.abspath('prepend.php')}", "-d", "expose_php=Off",
            "-d", "upload_max_filesize=16M", "-d", "post_max_size=16M",
            "-S", f"{args.host}:{args.port}", "-t", SITE]  # fmt: skip
    log(f"starting WordPress on http://{args.host}:{args.port}/")
    os.execv(php, argv)


if __name__ == "__main__":
    main()
