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

from app.engine.priority import EnginePriority, check_cpus
from app.errors import BadInput
from app.options import OPTIONS

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
    job_timeout_seconds: float = 3600.0  # a running job is canceled (then killed) past this
    lock_timeout_seconds: int = 30
    provider_reattach: bool = True  # engines reattach to a local provider: drift's one per process, each job's own
    engine_nice: int = 10  # added to the engine's niceness (and its providers'): the API keeps the CPU
    engine_cpus: frozenset[int] = frozenset()  # the CPUs engines may run on (empty: any)
    engine_session: bool = True  # engines in one session of their own (a scheduler group at engine_nice)
    engine_idle: bool = False  # engines that reattach to their provider run under SCHED_IDLE (starvable)
    log_flush_seconds: float = 0.25
    catalog_dir: Path = Path(__file__).resolve().parent.parent / "catalog"
    modules_dir: Path = Path(__file__).resolve().parent.parent / "modules"
    oidc_issuer: str | None = None  # None: auth off (loopback only)
    oidc_audience: str = "spawnit-api"
    oidc_client_id: str = "spawnit-web"  # the console's public OIDC client (authorization code + PKCE)
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
    # the aws target's own credentials (never the store's): static keys, or a shared-file profile
    aws_target_access_key_id: Secret = field(default_factory=lambda: Secret(""))
    aws_target_secret_access_key: Secret = field(default_factory=lambda: Secret(""))
    aws_target_profile: str | None = None
    aws_target_region: str | None = None  # AWS_REGION of the aws target's jobs
    aws_target_instance_role: bool = False  # no keys nor profile: the host's instance role
    # the address docker services publish their ports on: every interface, as Docker's own
    # default, because a catalog service is meant to be reached by others (a game server)
    docker_publish_address: str = "0.0.0.0"
    # the name users reach docker services by (their endpoint's host); None: DOCKER_HOST's
    # host for a remote daemon (tcp://, ssh://), else 127.0.0.1 (the module's own default)
    docker_endpoint_host: str | None = None
    kubeconfig: Path | None = None  # the kubernetes target's cluster (None: $KUBECONFIG, else none)
    target_check_seconds: float = 10.0  # how long a target's readiness (docker ping, ...) is trusted
    allowed_hosts: tuple[str, ...] = ()  # Host names (name or name:port, "*" any) besides loopback
    cors_origins: tuple[str, ...] = ()  # origins whose pages may call the API (CORS, websockets)
    max_ws_message_bytes: int | None = None  # None: max_body_bytes
    ws_fanout: bool = True  # identical log subscriptions share one execution (app/http/fanout.py)
    local_target: str = "operator"  # who may deploy on `local`: off | operator (auth off only) | tenants
    # shared mode: several replicas and workers share a Redis (queue, locks, bus) and the S3 store.
    # A secret: a Redis URL may hold a password (redis://:password@host:6379/0)
    redis_url: Secret = field(default_factory=lambda: Secret(""))
    log_format: str = "text"  # text | json (one object per line); a job's lines carry its ids either way
    role: str = "all"  # all (API + jobs + drift) | api (no engine) | worker (jobs and drift, no GraphQL)
    worker_lease_seconds: float = 30.0  # a worker's hold on a job it took, renewed at a third of it

    def __post_init__(self) -> None:
        # Every path is made absolute once, here, against the directory SpawnIt started in:
        # the engine runs inside each work directory, so a relative path would point elsewhere.
        for name in ("data_dir", "catalog_dir", "modules_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)).expanduser().resolve())
        if self.kubeconfig is not None:
            object.__setattr__(self, "kubeconfig", Path(self.kubeconfig).expanduser().resolve())

    @property
    def ws_message_limit(self) -> int:
        """The largest websocket message read (a larger one closes the socket, 1009)."""
        return self.max_ws_message_bytes if self.max_ws_message_bytes is not None else self.max_body_bytes

    @property
    def engine_priority(self) -> EnginePriority:
        """What engines (and what they start) get of the machine: SCHED_IDLE too, if asked
        (`engine_idle`), when they reattach to a provider SpawnIt starts (an engine that
        starts its own would pass a policy no unprivileged process can leave on to the
        `local` target's services)."""
        idle = self.engine_idle and self.provider_reattach
        return EnginePriority(self.engine_nice, frozenset(self.engine_cpus), idle)

    @property
    def provider_priority(self) -> EnginePriority:
        """What the providers SpawnIt starts for engines to reattach to (and the `local`
        target's services they start) get: the engines' niceness and CPUs, never SCHED_IDLE."""
        return dataclasses.replace(self.engine_priority, idle=False)

    @property
    def shared(self) -> bool:
        """Shared mode: queue, locks and bus in the Redis of `redis_url`, several replicas."""
        return bool(self.redis_url.reveal())

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
        """CLI config and provider mirror of the engine."""
        return self.data_dir / "engine"

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings named by `SPAWNIT_*` variables (see `OPTIONS`), defaults elsewhere."""
        env = os.environ if env is None else env
        raw = {o.name: env.get(f"SPAWNIT_{o.name}") for o in OPTIONS}
        secrets = cls(
            s3=S3Settings(
                access_key_id=Secret(env.get("AWS_ACCESS_KEY_ID", "")),
                secret_access_key=Secret(env.get("AWS_SECRET_ACCESS_KEY", "")),
            ),
            secret_key=Secret(env.get("SPAWNIT_SECRET_KEY", "")),
            redis_url=Secret(env.get("SPAWNIT_REDIS_URL", "")),
            # SPAWNIT_AWS_*; the older SPAWNIT_AWS_TARGET_* names still work
            aws_target_access_key_id=Secret(
                _first(env, "SPAWNIT_AWS_ACCESS_KEY_ID", "SPAWNIT_AWS_TARGET_ACCESS_KEY_ID")
            ),
            aws_target_secret_access_key=Secret(
                _first(env, "SPAWNIT_AWS_SECRET_ACCESS_KEY", "SPAWNIT_AWS_TARGET_SECRET_ACCESS_KEY")
            ),
        )
        # the options parsed onto the secrets, then checked together (with_values checks)
        settings = secrets.with_values({k: v for k, v in raw.items() if v not in (None, "")})
        if settings.kubeconfig is None and env.get("KUBECONFIG"):
            first = env["KUBECONFIG"].split(os.pathsep)[0]
            settings = settings.replace(kubeconfig=Path(first).expanduser().resolve())
        return settings

    def with_values(self, raw: Mapping[str, str]) -> Settings:
        """These settings with some options (by `Option.name`, as text) parsed and replaced."""
        top: dict[str, object] = {}
        s3: dict[str, object] = {}
        for option in OPTIONS:
            if option.name in raw:
                value = option.parse(f"SPAWNIT_{option.name}", raw[option.name])
                (s3 if option.field.startswith("s3.") else top)[option.field.removeprefix("s3.")] = value
        settings = self.replace(s3=dataclasses.replace(self.s3, **s3), **top)  # type: ignore[arg-type]
        settings.check()
        return settings

    @classmethod
    def from_values(cls, raw: Mapping[str, str]) -> Settings:
        return cls().with_values(raw)

    def check(self) -> None:
        if self.max_ws_message_bytes is not None and self.max_ws_message_bytes < 1:
            raise BadInput("SPAWNIT_MAX_WS_MESSAGE_BYTES must be at least 1", field="max_ws_message_bytes")
        if self.max_parallel_jobs < 1:
            raise BadInput("SPAWNIT_MAX_PARALLEL_JOBS must be at least 1", field="max_parallel_jobs")
        if not math.isfinite(self.cancel_grace_seconds) or self.cancel_grace_seconds <= 0:
            raise BadInput("SPAWNIT_CANCEL_GRACE_SECONDS must be positive", field="cancel_grace_seconds")
        if not math.isfinite(self.job_timeout_seconds) or self.job_timeout_seconds <= 0:
            raise BadInput("SPAWNIT_JOB_TIMEOUT_SECONDS must be positive", field="job_timeout_seconds")
        if self.drift_interval_seconds < 0 or self.drift_jitter_seconds < 0:
            raise BadInput("SPAWNIT_DRIFT_INTERVAL_SECONDS and _JITTER_SECONDS must be 0 or more", field="drift")
        if not 0 <= self.engine_nice <= 19:
            raise BadInput("SPAWNIT_ENGINE_NICE must be between 0 and 19", field="engine_nice")
        check_cpus(self.engine_cpus)
        if self.drift_max_parallel < 1:
            raise BadInput("SPAWNIT_DRIFT_MAX_PARALLEL must be at least 1", field="drift_max_parallel")
        if not 0 < self.port < 65536:
            raise BadInput("SPAWNIT_PORT must be a TCP port", field="port")
        if self.store == "s3" and not self.s3.bucket:
            raise BadInput("SPAWNIT_S3_BUCKET is required with SPAWNIT_STORE=s3", field="s3_bucket")
        if self.shared and self.store != "s3":
            raise BadInput(
                "SPAWNIT_REDIS_URL (shared mode) needs SPAWNIT_STORE=s3: replicas on other machines "
                "cannot share a folder store",
                field="redis_url",
            )
        if not math.isfinite(self.worker_lease_seconds) or self.worker_lease_seconds < 1:
            raise BadInput("SPAWNIT_WORKER_LEASE_SECONDS must be at least 1", field="worker_lease_seconds")
        if self.role != "all" and not self.shared:
            raise BadInput(
                f"SPAWNIT_ROLE={self.role} needs SPAWNIT_REDIS_URL: an API without workers (or workers "
                "without an API) only make sense when they share a Redis",
                field="role",
            )


def _first(env: Mapping[str, str], *names: str) -> str:
    """The value of the first of `names` set (not empty) in `env`, else ""."""
    return next((env[name] for name in names if env.get(name)), "")
