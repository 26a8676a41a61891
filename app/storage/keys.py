"""The storage layout, and the only place keys are spelled:

    catalog.json, templates/<entry>.template.tfvars.json
    clients/<tenant>/<service>/{info.json, terraform.tfvars.json, terraform.tfstate}
    tenants/<tenant>/credentials/<target>.json (a tenant's own cloud credentials, sealed)
    clients/<tenant>/<service>/jobs/<job>.json and <job>.log (the archived log), and
    while a job runs <job>.log.<first line, 10 digits>: one chunk of new lines per flush

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


CHUNK_DIGITS = 10  # a chunk is named by its first line's number, zero-padded: keys sort in line order


def job_log_chunks(tenant: str, service: str, job: str) -> str:
    """The prefix of the chunks a running job's log is flushed to (`<job>.log.<first line>`)."""
    return job_log(tenant, service, job) + "."


def job_log_chunk(tenant: str, service: str, job: str, first_line: int) -> str:
    if not isinstance(first_line, int) or isinstance(first_line, bool) or not 0 <= first_line < 10**CHUNK_DIGITS:
        raise ValueError(f"invalid log chunk number {first_line!r}")
    return job_log_chunks(tenant, service, job) + f"{first_line:0{CHUNK_DIGITS}d}"


def is_log_chunk(key: str, prefix: str) -> bool:
    """`key` is a chunk under `prefix` (from `job_log_chunks`), named as SpawnIt names them."""
    tail = key[len(prefix) :]
    return key.startswith(prefix) and len(tail) == CHUNK_DIGITS and tail.isascii() and tail.isdigit()


TENANTS = "tenants/"
CREDENTIAL_TARGETS = ("aws",)  # the targets a tenant may register credentials for


def target_credentials(tenant: str, target: str) -> str:
    """A tenant's sealed credentials for `target` (one of `CREDENTIAL_TARGETS`): under a
    prefix of their own, apart from `clients/<tenant>/`, where every folder is a service."""
    if target not in CREDENTIAL_TARGETS:
        raise BadInput(f"target: credentials are kept for {', '.join(CREDENTIAL_TARGETS)} only", field="target")
    return f"{TENANTS}{checked(tenant, 'tenant')}/credentials/{target}.json"
