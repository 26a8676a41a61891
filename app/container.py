"""Everything `create_app` builds, handed to the API layer as one object."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.oidc import OIDCVerifier
from app.bus import Bus
from app.catalog.model import Catalog
from app.drift.watcher import DriftWatcher
from app.engine.launcher import Launcher
from app.jobs.queries import JobQueries
from app.jobs.runner import JobRunner
from app.services.credentials import TargetCredentials
from app.services.graphs import ServiceGraphs
from app.services.manager import ServiceManager
from app.settings import Settings
from app.shared.bus_wiring import SharedBus
from app.storage import Store


@dataclass
class SpawnIt:
    settings: Settings
    store: Store
    catalog: Catalog
    bus: Bus
    runner: JobRunner
    services: ServiceManager
    jobs: JobQueries  # job reads for the API: find, a service's jobs, a log
    drift: DriftWatcher
    graphs: ServiceGraphs  # a service's resource graph, drawn by the engine, cached
    verifier: OIDCVerifier | None = None  # None: auth off
    shared: SharedBus | None = None  # shared mode's Redis bus; None: one process
    credentials: TargetCredentials | None = None  # tenants' own cloud credentials (write-only)
    launcher: Launcher | None = None  # the engines' launcher (None: engines in SpawnIt's session)
