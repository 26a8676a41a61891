"""The backend block SpawnIt writes into each work directory, and its init settings.

Modules declare no backend. For the S3 store the state lives at the service's key with
the engine's native lock file. The store's credentials reach the backend, and the backend
only, through a shared credentials file of the work directory (profile `spawnit-store`,
mode 0600, written before a job and removed after it: `CREDENTIALS_FILE`), named by the
backend settings: never on the command line, never in the engine's environment, where
the aws target's provider would take them for its own (the backend's explicit profile
wins over the environment's `AWS_*`, which are the aws target's). For the folder store
the `local` backend keeps the state at the service's path inside the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.settings import Settings
from app.storage import keys

CREDENTIALS_FILE = ".spawnit-store-credentials"  # in the work directory, 0600, only while a job runs
STORE_PROFILE = "spawnit-store"


@dataclass(frozen=True)
class Backend:
    kind: str  # "s3" or "local"
    config: tuple[tuple[str, str], ...]
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # never printed
    credentials: str = field(default="", repr=False)  # CREDENTIALS_FILE's text: never printed

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
    credentials = ""
    if s3.access_key_id and s3.secret_access_key:
        path = settings.workdirs.resolve() / tenant / service / CREDENTIALS_FILE
        config.append(("shared_credentials_files", f'["{path}"]'))
        config.append(("profile", STORE_PROFILE))
        credentials = _credentials_file(s3.access_key_id.reveal(), s3.secret_access_key.reveal())
    return Backend("s3", tuple(config), credentials=credentials)


def _credentials_file(access_key_id: str, secret_access_key: str) -> str:
    for value in (access_key_id, secret_access_key):
        if any(c in value for c in "\r\n[]"):
            raise ValueError("the S3 store's credentials hold a line break or a bracket")
    return f"[{STORE_PROFILE}]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret_access_key}\n"


def state_path(settings: Settings, tenant: str, service: str) -> Path | None:
    """Where the folder store keeps a service's state file (None for S3)."""
    if settings.store != "folder":
        return None
    return settings.store_dir / keys.state(tenant, service)
