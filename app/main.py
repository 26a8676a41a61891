"""The composition root: `create_app(settings)` builds every service and wires it.

Nothing else constructs shared objects. The store, the catalog and the provider
mirror are set up in the application's lifespan (they need the event loop).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from app.auth.oidc import OIDCVerifier
from app.bus import InMemoryBus
from app.catalog.kubernetes import with_kubernetes
from app.catalog.loader import load_catalog
from app.catalog.readiness import AwsTargetCredentials, TargetReadiness
from app.container import SpawnIt
from app.engine.binary import select_engine
from app.engine.child import ChildEngine
from app.engine.launcher import Launcher
from app.engine.priority import idle_allowed
from app.graphiql import GraphiQLGate
from app.graphiql import routes as graphiql_routes
from app.heap import start_frozen
from app.http import icons
from app.http.console_config import console_config_route
from app.http.hosts import edge_middleware
from app.http.metrics import metrics_route
from app.jobs.queries import JobQueries
from app.jobs.registry import LiveJobs
from app.jobs.repository import JobRepository
from app.jobs.steps import EngineSteps
from app.localtarget.install import cli_config_text, install_provider
from app.localtarget.policy import LocalTargetPolicy, local_policy
from app.localtarget.shared_provider import SharedProvider
from app.services.bookkeeping import JobBookkeeping
from app.services.credentials import TargetCredentials
from app.services.graphs import ServiceGraphs
from app.services.health import HealthCheck
from app.services.manager import ServiceManager
from app.services.repository import ServiceRepository
from app.services.targets import TargetEnvironment
from app.services.workspaces import WorkspaceBuilder
from app.settings import Settings
from app.shared.bus_wiring import shared_bus
from app.shared.wiring import drift_watcher, job_runner, record_locks, runs_jobs, shared_jobs, start_jobs
from app.storage.factory import open_store
from app.storage.readiness import readyz
from app.vault.box import SecretBox
from app.web import GraphQLView
from schema.root import build_schema

log = logging.getLogger("spawnit")


def private_folders(settings: Settings) -> None:
    """Everything SpawnIt (and the engine it starts) writes is readable by SpawnIt alone: keys,
    sealed records, state, saved plans, work directories. The umask is set once, for the process."""
    os.umask(0o077)
    for folder in (settings.data_dir, settings.workdirs, settings.run_dir, settings.engine_dir):
        folder.mkdir(parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)  # a data folder made by an older SpawnIt may be 0755


async def _host(settings: Settings) -> LocalTargetPolicy:
    """Which targets this host can run now (checked once here, then in the background):
    the aws target's own credentials (never the store's), the local target's policy."""
    aws = AwsTargetCredentials(
        has_keys=bool(settings.aws_target_access_key_id and settings.aws_target_secret_access_key),
        profile=settings.aws_target_profile,
        instance_role=settings.aws_target_instance_role,
        region=settings.aws_target_region,
    )
    readiness = TargetReadiness(aws, ttl=settings.target_check_seconds, kubeconfig=settings.kubeconfig)
    await readiness.refresh()
    return LocalTargetPolicy(readiness, local_policy(settings.local_target, settings.auth_enabled))


async def build(settings: Settings) -> SpawnIt:
    """Every domain service, wired, with jobs left behind by a dead process recovered."""
    private_folders(settings)
    store = await open_store(settings)
    shared = await shared_bus(settings)
    launcher = _launcher(settings)
    try:
        engine = _engine(settings, launcher)
        modules = {p.parent.parent.name for p in settings.modules_dir.glob("*/instance/*.tf")}
        catalog = with_kubernetes(await load_catalog(store, settings.catalog_dir, modules), modules)
        bus = shared.bus if shared is not None else InMemoryBus()
        shared_job_parts = shared_jobs(settings, shared.redis if shared is not None else None)
        locks = record_locks(shared_job_parts)  # a service's record: short read-modify-writes
        box = SecretBox.from_settings(settings.secret_key, settings.data_dir)
        services_repo = ServiceRepository(store, box, fresh=settings.shared)
        credentials = TargetCredentials(store, box, settings.aws_target_region)  # a tenant's own cloud credentials
        workspaces = WorkspaceBuilder(settings, services_repo, catalog, TargetEnvironment(settings, credentials))
        health = HealthCheck(settings.health_timeout_seconds)
        job_records = shared.jobs(store) if shared is not None else JobRepository(store)
        bookkeeping = JobBookkeeping(
            settings, store, services_repo, locks, bus, workspaces, health, job_records.forget_service
        )
        live = LiveJobs()
        runner = job_runner(
            settings,
            shared_job_parts,
            job_records,
            bus,
            _steps(settings, engine, launcher),
            workspaces,
            bookkeeping,
            max_parallel=settings.max_parallel_jobs,
            grace_seconds=settings.cancel_grace_seconds,
            log_flush_seconds=settings.log_flush_seconds,
            max_parallel_checks=settings.drift_max_parallel,
            job_timeout_seconds=settings.job_timeout_seconds,
            live=live,
        )
        jobs = JobQueries(job_records, live, services_repo.get, shared.logs(job_records) if shared else None)
        host = await _host(settings)
        limit = settings.max_jobs_per_tenant
        manager = ServiceManager(
            catalog, services_repo, runner, jobs, job_records, locks, limit, host=host, credentials=credentials
        )
        await services_repo.load_all()
        watcher = drift_watcher(settings, shared_job_parts, services_repo, runner, manager.submit_check)
        if runs_jobs(settings) and (recovered := await runner.recover()):  # an API replica runs none
            log.warning("%d job(s) left by a stopped process marked INTERRUPTED", len(recovered))
        log.info("engine: %s; store: %s; catalog: %d entries", engine.name, settings.store, len(catalog))
        verifier = _verifier(settings)
        graphs = ServiceGraphs(engine, settings, services_repo, busy=lambda service: bool(runner.active_for(service)))
        parts = (settings, store, catalog, bus, runner, manager, jobs, watcher, graphs, verifier)
        return SpawnIt(*parts, shared=shared, credentials=credentials, launcher=launcher)
    except BaseException:
        await store.close()
        if shared is not None:
            await shared.close()
        if launcher is not None:
            await launcher.close()
        raise


def _launcher(settings: Settings) -> Launcher | None:
    """The engines' launcher: engines and their providers in one session of their own, a
    scheduler group at the engines' niceness (SPAWNIT_ENGINE_SESSION; none when they run
    at SpawnIt's own niceness)."""
    return Launcher(settings.engine_nice) if settings.engine_session and settings.engine_nice > 0 else None


def _steps(settings: Settings, engine: ChildEngine, launcher: Launcher | None) -> EngineSteps:
    """A job's engine steps, with the providers its engines reattach to."""
    providers, own = _providers(settings, launcher), _job_providers(settings, launcher)
    return EngineSteps(engine, settings.lock_timeout_seconds, providers, own)


def _providers(settings: Settings, launcher: Launcher | None) -> SharedProvider | None:
    """The provider drift checks reattach to (SPAWNIT_PROVIDER_REATTACH), none for an API replica."""
    if not settings.provider_reattach:
        return None
    return SharedProvider(priority=settings.provider_priority, starter=launcher)


def _job_providers(settings: Settings, launcher: Launcher | None) -> Callable[[], SharedProvider] | None:
    """A provider of each job's own, which its engine commands reattach to (SPAWNIT_PROVIDER_REATTACH)."""
    if not settings.provider_reattach:
        return None
    return functools.partial(SharedProvider, priority=settings.provider_priority, own=True, starter=launcher)


def _engine(settings: Settings, launcher: Launcher | None) -> ChildEngine:
    """The engine, with SpawnIt's local provider mirrored for it."""
    mirror = settings.engine_dir / "providers"
    install_provider(mirror)
    cli_config = settings.engine_dir / "terraform.rc"
    # no plugin cache: every first init of a work directory rewrote the shared cache
    # entry while other services' jobs resolved their provider through it
    cli_config.write_text(cli_config_text(mirror))
    if settings.engine_priority.idle:
        idle_allowed()  # tried once now (and said if refused), not at the first job
    return ChildEngine(select_engine(settings.engine), cli_config, priority=settings.engine_priority, starter=launcher)


def _verifier(settings: Settings) -> OIDCVerifier | None:
    """The token verifier, or None when auth is off."""
    verifier = None
    if settings.oidc_issuer:
        verifier = OIDCVerifier(
            settings.oidc_issuer,
            settings.oidc_audience,
            tenant_claim=settings.tenant_claim,
            roles_claim=settings.roles_claim,
            admin_role=settings.admin_role,
            leeway=settings.token_leeway_seconds,
            refresh_floor=settings.jwks_refresh_floor_seconds,
        )
    return verifier


def create_app(settings: Settings) -> Starlette:
    graphql = GraphQLView(
        build_schema(settings),
        graphql_ide=None,  # SpawnIt serves its own GraphiQL (app/graphiql.py), never a CDN's
        subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL],
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        spawnit = await build(settings)
        app.state.spawnit = spawnit
        if runs_jobs(settings):
            spawnit.drift.start()
            start_jobs(settings, spawnit.runner)
        try:
            with start_frozen():
                yield
        finally:
            await spawnit.drift.stop()
            await spawnit.runner.close()
            if spawnit.launcher is not None:
                await spawnit.launcher.close()
            await spawnit.store.close()
            if spawnit.shared is not None:
                await spawnit.shared.close()
            if spawnit.verifier is not None:
                await spawnit.verifier.close()

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    api = [
        *graphiql_routes(settings.graphiql),
        Route("/graphql", GraphiQLGate(graphql) if settings.graphiql else graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        console_config_route(settings),
        *icons.routes(),
    ]
    return Starlette(
        routes=[
            *(api if settings.role != "worker" else []),  # a worker serves no GraphQL
            Route("/healthz", health),
            Route("/readyz", readyz),
            metrics_route(),
        ],
        middleware=edge_middleware(settings),
        lifespan=lifespan,
    )
