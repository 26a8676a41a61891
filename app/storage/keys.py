"""The storage layout, and the only place keys are spelled:

    catalog.json, templates/<entry>.template.tfvars.json
    clients/<tenant>/<service>/{info.json, terraform.tfvars.json, terraform.tfstate}
    clients/<tenant>/<service>/jobs/<job>.json and <job>.log

Every argument that becomes part of a key is a UUID in its canonical spelling (36
characters, lower case), checked by `checked` before anything else is done with it:
any other string (a 250 kB garbage id, braces, upper case) is refused with BadInput.
"""

from __future__ import annotations

from app.errors import BadInput
from app.ids import check_id

CATALOG = "catalog.json"
TEMPLATES = "templates/"
CLIENTS = "clients/"


def checked(value: object, field: str = "id") -> str:
    """`value` if it is a UUID spelt canonically, else BadInput (the value is not quoted)."""
    if not isinstance(value, str) or len(value) != 36 or check_id(value, field) != value:
        raise BadInput(f"{field} is not a valid id: expected a UUID", field=field)
    return value


def is_id(value: object) -> bool:
    try:
        checked(value)
    except BadInput:
        return False
    return True


def template(entry_id: str) -> str:
    # catalog entry ids are slugs we ship, checked by the catalog loader
    return f"{TEMPLATES}{entry_id}.template.tfvars.json"


def tenant_prefix(tenant: str) -> str:
    return f"{CLIENTS}{checked(tenant, 'tenant')}/"


def service_prefix(tenant: str, service: str) -> str:
    return f"{tenant_prefix(tenant)}{checked(service, 'service')}/"


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
    return jobs_prefix(tenant, service) + f"{checked(job, 'job')}.json"


def job_log(tenant: str, service: str, job: str) -> str:
    return jobs_prefix(tenant, service) + f"{checked(job, 'job')}.log"
