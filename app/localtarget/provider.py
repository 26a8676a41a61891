"""The `spawnit` Terraform provider: the tf glue around `process.py`.

Run by the engine as `python -m app.localtarget.provider` (through the wrapper that
`install.py` lays into a filesystem mirror). One resource, `spawnit_process`: a service
run as a detached local process in `<SPAWNIT_LOCAL_RUN_DIR>/<instance>/`.

The plugin's stdout carries the go-plugin handshake line: nothing else may print there."""

from __future__ import annotations

import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tf import schema, types
from tf.iface import (
    Config,
    CreateContext,
    DataSource,
    DeleteContext,
    Provider,
    ReadContext,
    Resource,
    State,
    UpdateContext,
)
from tf.utils import Diagnostics

from app.localtarget import ports, process, sandbox
from app.localtarget.certs import reuse_cached_cert
from app.localtarget.checks import UUID_RE, check_config
from app.localtarget.checks import known as _known

PROVIDER_HOST = "spawnit.local"
PROVIDER_NAMESPACE = "spawnit"
PROVIDER_TYPE = "spawnit"
PROVIDER_VERSION = "0.1.0"
PROVIDER_SOURCE = f"{PROVIDER_HOST}/{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}"

RUN_DIR_ENV = "SPAWNIT_LOCAL_RUN_DIR"
LOG_NAME = "service.log"
MARKER_NAME = "process.json"  # pid and start time of the instance's process, kept beside it
UIDS_NAME = ".uids"  # <run>/.uids/<uid>: which instance's sandbox runs as that uid

# Set when the engine sends StopProvider (or go-plugin's Shutdown): a create still waiting
# for its service to listen gives up and kills what it started, instead of leaving it
# running, unrecorded, after the engine is gone.
STOPPING = threading.Event()
_STOP_METHODS = ("/tfplugin6.Provider/StopProvider", "/plugin.GRPCController/Shutdown")

BASE_ENV_NAMES = ("PATH", "HOME", "LANG")


def _run_dir(diags: Diagnostics) -> Path | None:
    value = os.environ.get(RUN_DIR_ENV)
    if not value:
        diags.add_error(
            f"{RUN_DIR_ENV} is not set",
            f"The spawnit provider runs services in folders under ${RUN_DIR_ENV}; "
            "set it in the environment of the engine.",
        )
        return None
    return Path(value).resolve()


def _computed_attributes() -> list[schema.Attribute]:
    """start_timeout (defaulted, hence computed too) and what create computes."""
    A = schema.Attribute
    return [
        A(
            "start_timeout",
            types.Number(),
            optional=True,
            computed=True,
            default=20,
            requires_replace=True,
            description="Seconds to wait for the port to accept connections.",
        ),
        A("pid", types.Number(), computed=True, description="Process id of the service."),
        A("started_at", types.String(), computed=True, description="When it started (UTC, ISO 8601)."),
        A(
            "start_ticks",
            types.Number(),
            computed=True,
            description="Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22): "
            "tells our process from a later one that got the same pid.",
        ),
    ]


def _start(argv: list[str], workdir: Path, home: Path, env: dict[str, str], instance: str) -> Any:
    """Start the service (in the sandbox when the engine's environment asks for it)."""
    fds: tuple[int, ...] = ()
    if sandbox.wanted():
        argv, fds = sandbox.prepare(argv, home, workdir.parent / UIDS_NAME, instance)
    return process.start(argv, workdir, env, workdir / LOG_NAME, fds)


class Process(Resource):
    def __init__(self, provider: SpawnitProvider):
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return "process"

    @classmethod
    def get_schema(cls) -> schema.Schema:
        A = schema.Attribute
        return schema.Schema(
            version=0,
            description="A service run as a detached local process, in its own working folder.",
            attributes=[
                A(
                    "instance",
                    types.String(),
                    required=True,
                    requires_replace=True,
                    description="UUID of the service instance; names its working folder.",
                ),
                A(
                    "command",
                    types.List(types.String()),
                    required=True,
                    requires_replace=True,
                    description="argv of the service (no shell); command[0] is looked up in PATH.",
                ),
                A(
                    "env",
                    types.Map(types.String()),
                    optional=True,
                    sensitive=True,
                    requires_replace=True,
                    description="Environment of the service, added to a minimal PATH/HOME/LANG.",
                ),
                A(
                    "files",
                    types.Map(types.String()),
                    optional=True,
                    requires_replace=True,
                    description="Files written into the working folder before start: name -> content.",
                ),
                A(
                    "port",
                    types.Number(),
                    required=True,
                    requires_replace=True,
                    description="TCP port the service listens on; probed until it accepts a connection.",
                ),
                A(
                    "host",
                    types.String(),
                    optional=True,
                    computed=True,
                    default="127.0.0.1",
                    requires_replace=True,
                    description="Host the port is probed on.",
                ),
                *_computed_attributes(),
            ],
        )

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        check_config(diags, config)

    def create(self, ctx: CreateContext, planned: State) -> State | None:
        diags = ctx.diagnostics
        check_config(diags, planned)
        run_dir = _run_dir(diags)
        if diags.has_errors() or run_dir is None:
            return None

        host, port = planned["host"], int(planned["port"])
        workdir = run_dir / planned["instance"]
        home = workdir / sandbox.HOME_NAME if sandbox.wanted() else workdir  # the service's own folder
        log_path = workdir / LOG_NAME
        env = {k: os.environ[k] for k in BASE_ENV_NAMES if k in os.environ}
        env.update(planned.get("env") or {})
        if sandbox.wanted() and os.geteuid() == 0:  # the service runs as a uid of its own
            env["PATH"] = sandbox.reachable_path(env.get("PATH", ""))
        program = planned["command"][0]
        found = shutil.which(program if "/" not in program else str(home / program), path=env.get("PATH"))
        if found is None:
            diags.add_error("Command not found", f"{program!r} is not an executable in PATH.", path=["command"])
            return None
        # create means the state holds no process for this instance: one still running from
        # a run killed before it could record it is a stray (in the marker, or else still in the folder)
        stray = process.read_marker(workdir / MARKER_NAME)
        for leftover in [*([stray] if stray else []), *process.started_in(workdir)]:
            process.stop(*leftover)
        taken = ports.port_taken(host, port)
        if taken is not None:
            diags.add_error("Port in use", taken, path=["port"])
            return None

        try:
            home.mkdir(parents=True, exist_ok=True)
            for name, content in (planned.get("files") or {}).items():
                (home / name).write_text(content)
            proc = _start([found, *planned["command"][1:]], workdir, home, env, planned["instance"])
        except OSError as exc:
            diags.add_error("The service did not start", f"{type(exc).__name__}: {exc}")
            return None
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        first = process.read_stat(proc.pid)
        if first is not None:  # at once: a run killed from here on leaves a stray the next create stops
            process.write_marker(workdir / MARKER_NAME, proc.pid, first.start_ticks)
        pid = sandbox.service_pid(proc.pid) if sandbox.wanted() else proc.pid  # the service's, not bwrap's
        stat = process.read_stat(pid) if pid is not None else None
        if pid is not None and stat is not None:
            process.write_marker(workdir / MARKER_NAME, pid, stat.start_ticks)
        problem = process.wait_listening(proc, host, port, float(planned["start_timeout"]), STOPPING)
        if problem is not None or stat is None:
            process.kill_child(proc)
            diags.add_error(
                "The service did not start",
                f"{problem or 'the process vanished at once'}.\n"
                f"Last lines of {log_path}:\n{process.tail(log_path) or '(empty)'}",
            )
            return None
        return {**planned, "pid": pid, "started_at": started_at, "start_ticks": stat.start_ticks}

    def read(self, ctx: ReadContext, current: State) -> State | None:
        pid, ticks = current.get("pid"), current.get("start_ticks")
        if not _known(pid) or not _known(ticks) or not process.is_running(int(pid), int(ticks)):
            return None  # gone: the next plan creates it again
        return current

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        # Every configurable attribute forces replacement: an in-place update never happens.
        return planned

    def delete(self, ctx: DeleteContext, current: State) -> None:
        run_dir = _run_dir(ctx.diagnostics)
        if run_dir is None:
            return None
        pid, ticks = current.get("pid"), current.get("start_ticks")
        if _known(pid) and _known(ticks):
            process.stop(int(pid), int(ticks))
        instance = current.get("instance")
        if _known(instance) and UUID_RE.match(instance):
            shutil.rmtree(run_dir / instance, ignore_errors=True)
            sandbox.release_uid(run_dir / UIDS_NAME, instance)
        return None


class SpawnitProvider(Provider):
    """No provider configuration: the run folder comes from the environment."""

    def get_model_prefix(self) -> str:
        return f"{PROVIDER_TYPE}_"

    def full_name(self) -> str:
        return PROVIDER_SOURCE

    def get_provider_schema(self, diags: Diagnostics) -> schema.Schema:
        return schema.Schema(version=0, attributes=[])

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        pass

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        pass

    def get_data_sources(self) -> list[type[DataSource]]:
        return []

    def get_resources(self) -> list[type[Resource]]:
        return [Process]


def watch_for_stop() -> None:
    """On StopProvider `tf` stops its server, telling no resource: set `STOPPING` first."""
    from tf import runner

    interceptor = runner._ShutdownInterceptor
    original = interceptor.intercept_service

    def intercept_service(self, continuation, handler_call_details):  # type: ignore[no-untyped-def]
        if handler_call_details.method in _STOP_METHODS:
            STOPPING.set()
        return original(self, continuation, handler_call_details)

    interceptor.intercept_service = intercept_service


def main() -> None:
    from tf.runner import run_provider

    watch_for_stop()
    reuse_cached_cert()
    run_provider(SpawnitProvider())


if __name__ == "__main__":
    main()
