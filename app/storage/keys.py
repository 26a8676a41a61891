"""The storage layout, and the only place keys are spelled:

    catalog.json, templates/<entry>.template.tfvars.json
    clients/<tenant>/<service>/{info.json, terraform.tfvars.json, terraform.tfstate}
    clients/<tenant>/<service>/jobs/<job>.json and <job>.log

Every argument that becomes part of a key is a UUID checked by `app.ids.check_id`.
"""

from __future__ import annotations

from app.ids import check_id

CATALOG = "catalog.json"
TEMPLATES = "templates/"
CLIENTS = "clients/"


def template(entry_id: str) -> str:
    # catalog entry ids are slugs we ship, checked by the catalog loader
    return f"{TEMPLATES}{entry_id}.template.tfvars.json"


def tenant_prefix(tenant: str) -> str:
    return f"{CLIENTS}{check_id(tenant, 'tenant')}/"


def service_prefix(tenant: str, service: str) -> str:
    return f"{tenant_prefix(tenant)}{check_id(service, 'service')}/"


def info(tenant: str, service: str) -> str:
    return service_prefix(tenant, service) + "info.json"


def tfvars(tenant: str, service: str) -> str:
    return service_prefix(tenant, service) + "terraform.tfvars.json"


def state(tenant: str, service: str) -> str:
    return service_prefix(tenant, service) + "terraform.tfstate"


def state_lock(tenant: str, service: str) -> str:
    return state(tenant, service) + ".tflock"


def jobs_prefix(tenant: str, service: str) -> str:
    return service_prefix(tenant, service) + "jobs/"


def job_record(tenant: str, service: str, job: str) -> str:
    return jobs_prefix(tenant, service) + f"{check_id(job, 'job')}.json"


def job_log(tenant: str, service: str, job: str) -> str:
    return jobs_prefix(tenant, service) + f"{check_id(job, 'job')}.log"
