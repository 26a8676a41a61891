"""Lay the `spawnit` provider into a filesystem mirror, and point the engine at it.

The engine finds a provider without any registry through a CLI config file whose
`provider_installation` block reads `spawnit.local/*/*` from a filesystem mirror, where
the plugin is an executable at
`<mirror>/<host>/<namespace>/<type>/<version>/linux_amd64/terraform-provider-<type>_v<version>`.
Here that executable is a `#!/bin/sh` wrapper that execs this Python on the provider module.
The engine's lock file hashes the wrapper only, not the Python code behind it.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

from app.localtarget.provider import (
    PROVIDER_HOST,
    PROVIDER_NAMESPACE,
    PROVIDER_TYPE,
    PROVIDER_VERSION,
)

PLATFORM = "linux_amd64"
PROVIDER_MODULE = "app.localtarget.provider"


def provider_path(mirror_dir: Path) -> Path:
    return (
        Path(mirror_dir).absolute()
        / PROVIDER_HOST
        / PROVIDER_NAMESPACE
        / PROVIDER_TYPE
        / PROVIDER_VERSION
        / PLATFORM
        / f"terraform-provider-{PROVIDER_TYPE}_v{PROVIDER_VERSION}"
    )


def wrapper_text(python: str) -> str:
    python = os.path.abspath(python)
    return f'#!/bin/sh\nexec {shlex.quote(python)} -m {PROVIDER_MODULE} "$@"\n'


def install_provider(mirror_dir: Path, python: str = sys.executable) -> Path:
    """Write the plugin wrapper into `mirror_dir` (idempotent) and return its path.

    `python` must be an interpreter that can import `app` (this project installed in it).
    """
    path = provider_path(mirror_dir)
    text = wrapper_text(python)
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.chmod(0o700)  # the engine runs as SpawnIt: nobody else needs it
        os.replace(tmp, path)  # atomic: an engine reading the mirror never sees half a file
    if path.stat().st_mode & 0o777 != 0o700:
        path.chmod(0o700)
    return path


def _hcl_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid HCL quoted string


def cli_config_text(mirror_dir: Path, plugin_cache_dir: Path | None = None) -> str:
    """The text of a Terraform CLI config file that installs spawnit.local/* from `mirror_dir`.

    SpawnIt itself passes no `plugin_cache_dir`: the only provider comes from the mirror
    (each work directory links it from there), and a cache shared by work directories is
    rewritten by every first init while other jobs read through it."""
    pattern = _hcl_string(f"{PROVIDER_HOST}/*/*")
    lines = []
    if plugin_cache_dir is not None:
        lines.append(f"plugin_cache_dir = {_hcl_string(str(Path(plugin_cache_dir).absolute()))}")
        lines.append("")
    lines += [
        "provider_installation {",
        "  filesystem_mirror {",
        f"    path    = {_hcl_string(str(Path(mirror_dir).absolute()))}",
        f"    include = [{pattern}]",
        "  }",
        "  direct {",
        f"    exclude = [{pattern}]",
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"
