"""One typed settings object, built once at start-up and passed down.

Read from the environment (prefix `SPAWNIT_`), overridable by `spawnit serve` flags.
Secrets are `Secret` values: they print masked and are read with `.reveal()`.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from app.errors import BadInput

StoreKind = Literal["folder", "s3"]
EngineKind = Literal["auto", "tofu", "terraform", "embedded"]


class Secret:
    """A string that never shows itself in a repr, a log line or an f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class S3Settings:
    bucket: str = "spawnit"
    endpoint: str | None = None
    region: str = "us-east-1"
    path_style: bool = True
    max_attempts: int = 3  # tries of one request (retries with backoff on errors and throttling)
    access_key_id: Secret = field(default_factory=lambda: Secret(""))
    secret_access_key: Secret = field(default_factory=lambda: Secret(""))


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("spawnit-data")
    store: StoreKind = "folder"
    s3: S3Settings = field(default_factory=S3Settings)
    engine: EngineKind = "auto"
    max_parallel_jobs: int = 4
    cancel_grace_seconds: float = 10.0
    lock_timeout_seconds: int = 30
    log_flush_seconds: float = 0.25
    catalog_dir: Path = Path(__file__).resolve().parent.parent / "catalog"
    modules_dir: Path = Path(__file__).resolve().parent.parent / "modules"
    oidc_issuer: str | None = None  # None: auth off (loopback only)
    oidc_audience: str = "spawnit-api"
    tenant_claim: str = "sub"
    roles_claim: str = "realm_access.roles"  # a dotted path into the token's claims
    admin_role: str = "spawnit-admin"  # may list every tenant's services, read-only
    jwks_refresh_floor_seconds: float = 30.0  # at most one JWKS fetch per this, for unknown kids
    token_leeway_seconds: int = 30
    graphiql: bool = True
    introspection: bool = True
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_body_bytes: int = 256 * 1024
    max_jobs_per_tenant: int = 20  # queued or running, users' jobs
    drift_interval_seconds: float = 300.0  # 0: no drift watch
    drift_jitter_seconds: float = 30.0
    drift_max_parallel: int = 2
    health_timeout_seconds: float = 2.0
    secret_key: Secret = field(default_factory=lambda: Secret(""))  # seals sensitive values at rest

    @property
    def auth_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def workdirs(self) -> Path:
        return self.data_dir / "workdirs"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "store"

    @property
    def run_dir(self) -> Path:
        """Where the `local` target's processes keep their files."""
        return self.data_dir / "run"

    @property
    def engine_dir(self) -> Path:
        """CLI config, provider mirror and plugin cache of the engine."""
        return self.data_dir / "engine"

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"SPAWNIT_{name}")
            return value if value not in (None, "") else None

        base = cls()
        s3 = S3Settings(
            bucket=get("S3_BUCKET") or base.s3.bucket,
            endpoint=get("S3_ENDPOINT"),
            region=get("S3_REGION") or base.s3.region,
            path_style=_bool("SPAWNIT_S3_PATH_STYLE", get("S3_PATH_STYLE"), True),
            max_attempts=_int("SPAWNIT_S3_MAX_ATTEMPTS", get("S3_MAX_ATTEMPTS"), base.s3.max_attempts),
            access_key_id=Secret(env.get("AWS_ACCESS_KEY_ID", "")),
            secret_access_key=Secret(env.get("AWS_SECRET_ACCESS_KEY", "")),
        )
        settings = cls(
            host=get("HOST") or base.host,
            port=_int("SPAWNIT_PORT", get("PORT"), base.port),
            data_dir=Path(get("DATA_DIR") or base.data_dir),
            store=_choice("SPAWNIT_STORE", get("STORE"), ("folder", "s3"), base.store),
            s3=s3,
            secret_key=Secret(env.get("SPAWNIT_SECRET_KEY", "")),
            engine=_choice("SPAWNIT_ENGINE", get("ENGINE"), ("auto", "tofu", "terraform", "embedded"), base.engine),
            max_parallel_jobs=_int("SPAWNIT_MAX_PARALLEL_JOBS", get("MAX_PARALLEL_JOBS"), base.max_parallel_jobs),
            cancel_grace_seconds=_float(
                "SPAWNIT_CANCEL_GRACE_SECONDS", get("CANCEL_GRACE_SECONDS"), base.cancel_grace_seconds
            ),
            catalog_dir=Path(get("CATALOG_DIR") or base.catalog_dir),
            modules_dir=Path(get("MODULES_DIR") or base.modules_dir),
            drift_interval_seconds=_float(
                "SPAWNIT_DRIFT_INTERVAL_SECONDS", get("DRIFT_INTERVAL_SECONDS"), base.drift_interval_seconds
            ),
            drift_jitter_seconds=_float(
                "SPAWNIT_DRIFT_JITTER_SECONDS", get("DRIFT_JITTER_SECONDS"), base.drift_jitter_seconds
            ),
            drift_max_parallel=_int("SPAWNIT_DRIFT_MAX_PARALLEL", get("DRIFT_MAX_PARALLEL"), base.drift_max_parallel),
            oidc_issuer=get("OIDC_ISSUER"),
            oidc_audience=get("OIDC_AUDIENCE") or base.oidc_audience,
            tenant_claim=get("TENANT_CLAIM") or base.tenant_claim,
            roles_claim=get("ROLES_CLAIM") or base.roles_claim,
            admin_role=get("ADMIN_ROLE") or base.admin_role,
            graphiql=_bool("SPAWNIT_GRAPHIQL", get("GRAPHIQL"), base.graphiql),
            introspection=_bool("SPAWNIT_INTROSPECTION", get("INTROSPECTION"), base.introspection),
            max_jobs_per_tenant=_int(
                "SPAWNIT_MAX_JOBS_PER_TENANT", get("MAX_JOBS_PER_TENANT"), base.max_jobs_per_tenant
            ),
            max_body_bytes=_int("SPAWNIT_MAX_BODY_BYTES", get("MAX_BODY_BYTES"), base.max_body_bytes),
            lock_timeout_seconds=_int(
                "SPAWNIT_LOCK_TIMEOUT_SECONDS", get("LOCK_TIMEOUT_SECONDS"), base.lock_timeout_seconds
            ),
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.max_parallel_jobs < 1:
            raise BadInput("SPAWNIT_MAX_PARALLEL_JOBS must be at least 1", field="max_parallel_jobs")
        if not math.isfinite(self.cancel_grace_seconds) or self.cancel_grace_seconds <= 0:
            raise BadInput("SPAWNIT_CANCEL_GRACE_SECONDS must be positive", field="cancel_grace_seconds")
        if self.drift_interval_seconds < 0 or self.drift_jitter_seconds < 0:
            raise BadInput("SPAWNIT_DRIFT_INTERVAL_SECONDS and _JITTER_SECONDS must be 0 or more", field="drift")
        if self.drift_max_parallel < 1:
            raise BadInput("SPAWNIT_DRIFT_MAX_PARALLEL must be at least 1", field="drift_max_parallel")
        if not 0 < self.port < 65536:
            raise BadInput("SPAWNIT_PORT must be a TCP port", field="port")
        if self.store == "s3" and not self.s3.bucket:
            raise BadInput("SPAWNIT_S3_BUCKET is required with SPAWNIT_STORE=s3", field="s3_bucket")


def _int(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadInput(f"{name} must be an integer, got {raw!r}", field=name) from None


def _float(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BadInput(f"{name} must be a finite number, got {raw!r}", field=name)
    return value


def _bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise BadInput(f"{name} must be true or false, got {raw!r}", field=name)


def _choice(name: str, raw: str | None, options: tuple[str, ...], default: str):  # type: ignore[no-untyped-def]
    if raw is None:
        return default
    if raw not in options:
        raise BadInput(f"{name} must be one of {', '.join(options)}, got {raw!r}", field=name)
    return raw
