"""The backend block SpawnIt writes into each work directory, and its init settings.

Modules declare no backend. For the S3 store the state lives at the service's key with
the engine's native lock file; credentials reach the engine through the child's
environment only (never on the command line, never on disk). For the folder store the
`local` backend keeps the state at the service's path inside the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.settings import Settings
from app.storage import keys


@dataclass(frozen=True)
class Backend:
    kind: str  # "s3" or "local"
    config: tuple[tuple[str, str], ...]
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # credentials: never printed

    @property
    def has_lock_files(self) -> bool:
        """The engine locks the state with a lock file next to it (the S3 backend's
        `use_lockfile`), which a killed engine leaves behind."""
        return ("use_lockfile", "true") in self.config

    def block(self) -> str:
        return f'terraform {{\n  backend "{self.kind}" {{}}\n}}\n'

    def init_args(self) -> list[str]:
        return [f"-backend-config={name}={value}" for name, value in self.config]


def backend_for(settings: Settings, tenant: str, service: str) -> Backend:
    state_key = keys.state(tenant, service)
    if settings.store == "folder":
        path = (settings.store_dir / state_key).resolve()
        return Backend("local", (("path", str(path)),))
    s3 = settings.s3
    config: list[tuple[str, str]] = [
        ("bucket", s3.bucket),
        ("key", state_key),
        ("region", s3.region),
        ("use_lockfile", "true"),
        ("skip_credentials_validation", "true"),
        ("skip_requesting_account_id", "true"),
        ("skip_metadata_api_check", "true"),
        ("skip_region_validation", "true"),
    ]
    if s3.endpoint:
        config.append(("endpoints", f'{{s3="{s3.endpoint}"}}'))
    if s3.path_style:
        config.append(("use_path_style", "true"))
    env: dict[str, str] = {}
    if s3.access_key_id:
        env["AWS_ACCESS_KEY_ID"] = s3.access_key_id.reveal()
    if s3.secret_access_key:
        env["AWS_SECRET_ACCESS_KEY"] = s3.secret_access_key.reveal()
    return Backend("s3", tuple(config), env)


def state_path(settings: Settings, tenant: str, service: str) -> Path | None:
    """Where the folder store keeps a service's state file (None for S3)."""
    if settings.store != "folder":
        return None
    return settings.store_dir / keys.state(tenant, service)
