"""A local service runs in a sandbox: it cannot read SpawnIt's data folder (the master key,
the store, other tenants' and services' folders), nor see or signal SpawnIt's processes,
and, with SpawnIt running as root, it runs as a uid of its own. Checked by deploying, over
the API with auth on, a catalog entry whose program tries exactly that and serves what it
saw, next to another tenant's service whose files it goes after."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest

from app.localtarget.policy import local_target_refusal
from app.settings import Settings
from tests.conftest import free_port
from tests.issuer import AUDIENCE, Issuer
from tests.server import Start

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap is not installed (.ci/run installs it)"
)

# tries each path in argv[2] (":"-separated), then serves {path: what happened} as /seen.json
PEEK = r"""
import http.server, json, os, sys
seen = {"uid": os.getuid(), "spawnit_visible": None, "listed_run_dir": None}
for path in sys.argv[2].split(":"):
    try:
        with open(path, "rb") as f:
            seen[path] = "READ " + f.read(40).decode(errors="replace")
    except OSError as exc:
        seen[path] = type(exc).__name__
try:
    os.kill(int(sys.argv[3]), 0)
    seen["spawnit_visible"] = True
except OSError:
    seen["spawnit_visible"] = False
try:
    seen["listed_run_dir"] = os.listdir(sys.argv[4])
except OSError as exc:
    seen["listed_run_dir"] = type(exc).__name__
try:
    open("mine.txt", "w").write("a service writes its own folder")
    seen["wrote_own_folder"] = True
except OSError:
    seen["wrote_own_folder"] = False
with open("seen.json", "w") as f:
    json.dump(seen, f)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""

PEEK_TEMPLATE = {
    "fields": [
        {"name": "port", "type": "integer", "default": 8080, "min": 1024, "max": 65535, "description": "Port."},
        {"name": "paths", "type": "string", "default": "/etc/hostname", "max": 4000, "description": "Paths."},
        {"name": "pid", "type": "string", "default": "1", "max": 20, "description": "A pid to find."},
        {"name": "run_dir", "type": "string", "default": "/", "max": 1000, "description": "A folder to list."},
    ],
    "targets": {
        "local": {
            "requires": ["python3"],
            "variables": {
                "image": "",
                "command": ["python3", "-c", PEEK, "{{port}}", "{{paths}}", "{{pid}}", "{{run_dir}}"],
                "ports": ["{{port}}"],
                "env": {},
                "files": {},
                "endpoint_scheme": "http",
            },
        }
    },
}


def catalog_with_peek(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    shutil.copytree(Settings().catalog_dir, folder)
    catalog = json.loads((folder / "catalog.json").read_text())
    catalog["entries"].append({"id": "peek", "name": "Peek", "description": "Looks around.", "template": "peek"})
    (folder / "catalog.json").write_text(json.dumps(catalog))
    (folder / "templates" / "peek.template.tfvars.json").write_text(json.dumps(PEEK_TEMPLATE))
    return folder


@needs_bwrap
async def test_a_service_cannot_read_spawnits_data_or_another_services_folder(
    start: Start, issuer: Issuer, tmp_path: Path
) -> None:
    spawnit = await start(
        oidc_issuer=issuer.url,
        oidc_audience=AUDIENCE,
        jwks_refresh_floor_seconds=0,
        local_target="tenants",
        catalog_dir=catalog_with_peek(tmp_path),
    )
    data = spawnit.settings.data_dir.resolve()
    alice, mallory = spawnit.api.as_(issuer.token("alice")), spawnit.api.as_(issuer.token("mallory"))
    site = await alice.create_site("alice's secret page", free_port())
    assert (await alice.wait_job((await alice.mutate_job("applyService", site["id"]))["id"]))["state"] == "SUCCEEDED"
    alices_files = [p for p in (data / "run" / site["id"]).rglob("index.html")]
    assert alices_files, "alice's site keeps its page in its folder"
    stored = sorted(p for p in (data / "store").rglob("*") if p.is_file())
    targets = [data / "secret.key", *alices_files, *stored[:5]]
    assert all(p.read_bytes() for p in targets)  # they exist, and SpawnIt reads them

    port = free_port()
    peek = (
        await mallory.run(
            "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
            i={
                "catalogEntryId": "peek",
                "target": "local",
                "name": "peek",
                "variables": {
                    "port": port,
                    "paths": ":".join(str(p) for p in targets),
                    "pid": str(os.getpid()),
                    "run_dir": str(data / "run"),
                },
            },
        )
    )["createService"]
    job = await mallory.wait_job((await mallory.mutate_job("applyService", peek["id"]))["id"])
    assert job["state"] == "SUCCEEDED", job
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/seen.json", timeout=10) as response:
            seen = json.loads(response.read())
        read = {path: what for path, what in seen.items() if isinstance(what, str) and what.startswith("READ")}
        assert read == {}, read  # the key, the store, alice's page: none readable
        assert all(seen[str(p)] in ("FileNotFoundError", "PermissionError") for p in targets), seen
        assert seen["spawnit_visible"] is False  # SpawnIt's processes are not in its PID namespace
        assert not isinstance(seen["listed_run_dir"], list) or seen["listed_run_dir"] == [], seen
        assert seen["wrote_own_folder"] is True
        if os.geteuid() == 0:
            assert seen["uid"] != 0, seen  # never root: a uid of its own
    finally:
        for api, service in ((mallory, peek), (alice, site)):
            done = await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
            assert done["state"] == "SUCCEEDED"


def test_without_bubblewrap_tenants_are_refused() -> None:
    missing = "bubblewrap is not installed: apt-get install bubblewrap"
    refusal = local_target_refusal("tenants", True, missing)
    assert refusal is not None and "bubblewrap is not installed" in refusal
    assert local_target_refusal("tenants", True, None) is None
    assert local_target_refusal("operator", False, missing) is None  # auth off: runs unsandboxed, with a warning
