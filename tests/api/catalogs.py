"""Catalogs for tests: the repository's own, plus entries that exercise the engine's
edges (a service that is slow to start)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from app.settings import Settings

SLOW = {
    "fields": [
        {"name": "port", "type": "integer", "default": 8080, "min": 1024, "max": 65535, "description": "Port."},
        {
            "name": "delay",
            "type": "integer",
            "default": 60,
            "min": 0,
            "max": 600,
            "description": "Seconds before it listens.",
        },
    ],
    "targets": {
        "local": {
            "requires": ["python3"],
            "variables": {
                "image": "",
                "command": [
                    "python3",
                    "-c",
                    "import sys, time, http.server as h; time.sleep(int(sys.argv[1])); "
                    "h.HTTPServer(('127.0.0.1', int(sys.argv[2])), h.SimpleHTTPRequestHandler).serve_forever()",
                    "{{delay}}",
                    "{{port}}",
                ],
                "ports": ["{{port}}"],
                "env": {},
                "files": {},
                "endpoint_scheme": "http",
            },
        }
    },
}


def with_slow_entry(tmp_path: Path, **entry: object) -> Path:
    """A copy of the shipped catalog with a `slow-site` entry added (with `entry`'s keys)."""
    folder = tmp_path / "catalog"
    shutil.copytree(Settings().catalog_dir, folder)
    catalog = json.loads((folder / "catalog.json").read_text())
    catalog["entries"].append(
        {"id": "slow-site", "name": "Slow site", "description": "Listens after a delay.", "template": "slow-site"}
        | entry
    )
    (folder / "catalog.json").write_text(json.dumps(catalog))
    (folder / "templates" / "slow-site.template.tfvars.json").write_text(json.dumps(SLOW))
    return folder
