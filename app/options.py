"""The settings one can set: each a `SPAWNIT_<NAME>` variable and a `spawnit serve --<name>`
flag, parsed from text by the same function either way. Secrets are not options: they come
from the environment only (see `Settings.from_env`), never from a command line."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine.priority import parse_cpus
from app.errors import BadInput


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


def _choice(*options: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if raw not in options:
            raise BadInput(f"{name} must be one of {', '.join(options)}, got {raw!r}", field=name)
        return raw

    return parse


def _text(name: str, raw: str) -> str:
    return raw


def split_list(name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated setting: its items, stripped, empty ones dropped."""
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _address(name: str, raw: str) -> str:
    """An IP address (what Docker publishes ports on)."""
    import ipaddress

    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise BadInput(f"{name} must be an IP address (e.g. 0.0.0.0 or 127.0.0.1), got {raw!r}", field=name) from None


def _number(kind: Callable[[str, str | None, Any], Any]) -> Callable[[str, str], Any]:
    return lambda name, raw: kind(name, raw, None)


@dataclass(frozen=True)
class Option:
    """One setting: `SPAWNIT_<name>` in the environment, `--<name in kebab case>` on `spawnit serve`."""

    name: str
    field: str  # the Settings field ("s3.<field>" for S3Settings)
    parse: Callable[[str, str], Any]
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.lower().replace("_", "-")


_int_ = _number(_int)
_float_ = _number(_float)
_bool_ = _number(_bool)

# Every setting but secrets (which come from the environment only, never a command line).
OPTIONS: tuple[Option, ...] = (
    Option("HOST", "host", _text, "address to bind (forced to loopback while auth is off)"),
    Option("PORT", "port", _int_, "port to bind"),
    Option("DATA_DIR", "data_dir", _path, "folder store, work directories, provider mirror, local services"),
    Option("STORE", "store", _choice("folder", "s3"), "folder or s3"),
    Option("S3_BUCKET", "s3.bucket", _text, "bucket of the s3 store"),
    Option("S3_ENDPOINT", "s3.endpoint", _text, "S3/MinIO endpoint URL"),
    Option("S3_REGION", "s3.region", _text, "S3 region"),
    Option("S3_PATH_STYLE", "s3.path_style", _bool_, "path-style S3 addressing"),
    Option("S3_MAX_ATTEMPTS", "s3.max_attempts", _int_, "tries of one storage request"),
    Option("ENGINE", "engine", _choice("auto", "tofu", "terraform", "embedded"), "which engine runs the jobs"),
    Option("MAX_PARALLEL_JOBS", "max_parallel_jobs", _int_, "jobs running at once across services"),
    Option("CANCEL_GRACE_SECONDS", "cancel_grace_seconds", _float_, "SIGINT -> SIGKILL delay of a cancel"),
    Option("JOB_TIMEOUT_SECONDS", "job_timeout_seconds", _float_, "a job running longer is canceled, then killed"),
    Option("LOCK_TIMEOUT_SECONDS", "lock_timeout_seconds", _int_, "the engine's -lock-timeout"),
    Option(
        "PROVIDER_REATTACH",
        "provider_reattach",
        _bool_,
        "engines reattach to a local provider (drift: one per process; jobs: their own)",
    ),
    Option("ENGINE_NICE", "engine_nice", _int_, "CPU niceness added to engines and their providers (0: off)"),
    Option(
        "ENGINE_CPUS", "engine_cpus", parse_cpus, "CPUs engines and their providers may run on, e.g. 1-3 (unset: any)"
    ),
    Option(
        "ENGINE_SESSION",
        "engine_session",
        _bool_,
        "engines and their providers in one session of their own, a scheduler group at their niceness",
    ),
    Option(
        "ENGINE_IDLE",
        "engine_idle",
        _bool_,
        "engines that reattach to their provider run under SCHED_IDLE (they may starve behind any other load)",
    ),
    Option("CATALOG_DIR", "catalog_dir", _path, "seed catalog copied into an empty store"),
    Option("MODULES_DIR", "modules_dir", _path, "one module per target"),
    Option("DRIFT_INTERVAL_SECONDS", "drift_interval_seconds", _float_, "seconds between drift checks (0: none)"),
    Option("DRIFT_JITTER_SECONDS", "drift_jitter_seconds", _float_, "up to this much added to each interval"),
    Option("DRIFT_MAX_PARALLEL", "drift_max_parallel", _int_, "drift checks running at once"),
    Option("OIDC_ISSUER", "oidc_issuer", _text, "OIDC issuer URL (unset: auth off, loopback only)"),
    Option("OIDC_AUDIENCE", "oidc_audience", _text, "audience tokens must carry"),
    Option("OIDC_CLIENT_ID", "oidc_client_id", _text, "the console's public OIDC client (code + PKCE)"),
    Option("TENANT_CLAIM", "tenant_claim", _text, "claim naming the tenant"),
    Option("ROLES_CLAIM", "roles_claim", _text, "dotted path to the roles in a token"),
    Option("ADMIN_ROLE", "admin_role", _text, "role of read-only administrators"),
    Option("GRAPHIQL", "graphiql", _bool_, "serve GraphiQL on GET /graphql"),
    Option("INTROSPECTION", "introspection", _bool_, "allow schema introspection"),
    Option("MAX_JOBS_PER_TENANT", "max_jobs_per_tenant", _int_, "users' jobs queued or running per tenant"),
    Option("MAX_BODY_BYTES", "max_body_bytes", _int_, "largest request body"),
    Option("AWS_TARGET_PROFILE", "aws_target_profile", _text, "old name of SPAWNIT_AWS_PROFILE"),
    Option("AWS_PROFILE", "aws_target_profile", _text, "AWS shared-credentials profile of the aws target"),
    Option("AWS_REGION", "aws_target_region", _text, "AWS region of the aws target's services"),
    Option("AWS_INSTANCE_ROLE", "aws_target_instance_role", _bool_, "the aws target uses this host's instance role"),
    Option("DOCKER_PUBLISH_ADDRESS", "docker_publish_address", _address, "address docker services publish on"),
    Option("DOCKER_ENDPOINT_HOST", "docker_endpoint_host", _text, "host name in docker services' endpoints"),
    Option("KUBECONFIG", "kubeconfig", _path, "kubeconfig of the kubernetes target (default: KUBECONFIG)"),
    Option("TARGET_CHECK_SECONDS", "target_check_seconds", _float_, "how long a target check is trusted"),
    Option("ALLOWED_HOSTS", "allowed_hosts", split_list, "Host names served besides loopback, comma-separated"),
    Option("CORS_ORIGINS", "cors_origins", split_list, "origins whose pages may call the API, comma-separated"),
    Option("WS_FANOUT", "ws_fanout", _bool_, "identical log subscriptions share one execution per message"),
    Option("MAX_WS_MESSAGE_BYTES", "max_ws_message_bytes", _int_, "largest websocket message (default: body limit)"),
    Option("ROLE", "role", _choice("all", "api", "worker"), "all, api (no engine) or worker (no GraphQL)"),
    Option("LOG_FORMAT", "log_format", _choice("text", "json"), "text or json (one object per line, with job ids)"),
    Option("WORKER_LEASE_SECONDS", "worker_lease_seconds", _float_, "a dead worker's job is INTERRUPTED past this"),
    Option("LOCAL_TARGET", "local_target", _choice("off", "operator", "tenants"), "who may deploy on local"),
)
