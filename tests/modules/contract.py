"""The input/output contract every target module honours (written down in modules/README.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "modules"
TARGETS = ("local", "docker", "aws", "kubernetes")

# name -> (type as the engine's loader reports it, sensitive)
REQUIRED = {
    "service_id": ("string", False),
    "service_name": ("string", False),
    "ports": (["list", "number"], False),
}
SIDECAR = {  # one item of `sidecars`: only name and image are required
    "name": "string",
    "image": "string",
    "env": ["map", "string"],
    "command": ["list", "string"],
    "volumes": ["list", "string"],
    "ports": ["list", "number"],
    "healthcheck": ["list", "string"],
}
SHARED_FILE = "variables_shared.tf"
OPTIONAL = {
    "env": (["map", "string"], True),
    "files": (["map", "string"], False),
    "command": (["list", "string"], False),
    "image": ("string", False),
    "endpoint_scheme": ("string", False),
    "host": ("string", False),
    "secrets": (["map", "string"], True),
    "container_ports": (["list", "number"], False),
    "files_path": ("string", False),
    "data_path": ("string", False),
    "healthcheck": (["list", "string"], False),
    "instance_type": ("string", False),
    "allowed_cidrs": (["list", "string"], False),
    # variables_shared.tf, the same file in every module
    "tenant_id": ("string", False),
    "publish_address": ("string", False),
    "volumes": (["list", "string"], False),
    "sidecars": (["list", ["object", SIDECAR]], False),
    "key_name": ("string", False),
    "ssh_cidrs": (["list", "string"], False),
    "udp_ports": (["list", "number"], False),
    "privileged": ("bool", False),
}
VARIABLES = {**REQUIRED, **OPTIONAL}
OUTPUTS = ("endpoint", "ports", "pid")


def module_dir(target: str) -> Path:
    return MODULES / target / "instance"
