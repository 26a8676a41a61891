"""The workspace builder: what a job needs of its service to run, laid out from the
service's record (module, variables, backend, the engine's environment, secrets)."""

from __future__ import annotations

import json

from app.catalog.model import Catalog
from app.catalog.render import secret_values
from app.engine.backend import backend_for
from app.jobs.model import Job
from app.jobs.workspace import Workspace
from app.localtarget.sandbox import sandbox_problem
from app.services.repository import ServiceRepository
from app.services.targets import TargetEnvironment
from app.settings import Settings


class WorkspaceBuilder:
    def __init__(
        self, settings: Settings, repo: ServiceRepository, catalog: Catalog, targets: TargetEnvironment | None = None
    ) -> None:
        self._settings = settings
        self._targets = targets or TargetEnvironment(settings, None)
        self._repo = repo
        self._catalog = catalog
        # job id -> the variables_rev its work directory was laid out with (live jobs only)
        self._ran_with: dict[str, int] = {}

    async def workspace(self, job: Job) -> Workspace:
        info = await self._repo.get(job.tenant, job.service)
        tfvars = await self._repo.tfvars(info)
        settings = self._settings
        entry = self._catalog.get(info.catalog_entry)
        secrets = secret_values(entry, info.variables)
        target = await self._targets.for_job(info.target, job.tenant)  # this target's, nothing of another's
        self._ran_with[job.id] = info.variables_rev
        return Workspace(
            workdir=settings.workdirs.resolve() / job.tenant / job.service,
            module_dir=settings.modules_dir / info.target / "instance",
            tfvars=tfvars,
            backend=backend_for(settings, job.tenant, job.service),
            env={
                **target.env,
                "SPAWNIT_LOCAL_RUN_DIR": str(settings.run_dir.resolve()),
                # every local service in the bubblewrap sandbox, SpawnIt's data folder hidden
                "SPAWNIT_LOCAL_SANDBOX": "none" if sandbox_problem() else "bwrap",
                "SPAWNIT_LOCAL_PRIVATE": str(settings.data_dir.resolve()),
                # secrets reach the engine here, never through a file: an HCL object
                # whose strings are literal (no interpolation)
                "TF_VAR_secrets": json.dumps(secrets).replace("${", "$${").replace("%{", "%%{"),
            },
            applied=info.applied,
            secrets=tuple(v for v in (*secrets.values(), *target.secrets) if v),
            timeout_seconds=entry.job_timeout_seconds,
        )

    def laid_out_with(self, job_id: str) -> int | None:
        """The `variables_rev` the ended job `job_id` ran with (None if it never ran);
        forgotten once asked."""
        return self._ran_with.pop(job_id, None)
