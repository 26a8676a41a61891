"""Checks of the `spawnit_process` attribute values (those known at validate time)."""

from __future__ import annotations

import re
from typing import Any

from tf import types
from tf.iface import Config
from tf.utils import Diagnostics

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
FILE_NAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")


def known(value: Any) -> bool:
    return value is not None and value is not types.Unknown


def check_config(diags: Diagnostics, config: Config) -> None:
    """Checks of the attribute values that are known (values may be unknown at validate time)."""
    instance = config.get("instance")
    if known(instance) and not UUID_RE.match(instance):
        diags.add_error(
            "Invalid instance",
            f"instance must be a UUID (it names the working folder), got {instance!r}.",
            path=["instance"],
        )
    command = config.get("command")
    if known(command) and len(command) == 0:
        diags.add_error("Invalid command", "command must hold at least the program to run.", path=["command"])
    files = config.get("files")
    if known(files):
        for name in files:
            if not FILE_NAME_RE.match(name) or name in (".", ".."):
                diags.add_error(
                    "Invalid file name",
                    f"files keys must be plain file names matching {FILE_NAME_RE.pattern} "
                    f"(not '.' or '..'), got {name!r}.",
                    path=["files", (name,)],
                )
    port = config.get("port")
    if known(port) and not (port == int(port) and 1 <= port <= 65535):
        diags.add_error("Invalid port", f"port must be an integer in 1..65535, got {port}.", path=["port"])
    timeout = config.get("start_timeout")
    if known(timeout) and not timeout > 0:
        diags.add_error(
            "Invalid start_timeout", "start_timeout must be a positive number of seconds.", path=["start_timeout"]
        )
