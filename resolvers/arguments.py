"""Arguments as the client sent them: ids checked under the argument's own name
(`jobId`, `planJobId`, `serviceId`), and the domain's field names of a refused input
turned into the input's path (`input.variables.port`)."""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from typing import Any

from app.catalog.validate import InvalidValues
from app.errors import BadInput
from app.ids import check_id
from app.services.listing import EVERY
from app.services.listing import ServiceFilter as DomainFilter
from schema.errors import API_NAMES
from schema.inputs import ServiceFilter

# what the domain calls a field of a service's input -> where the client sent it
INPUT_FIELDS = ("catalogEntryId", "target", "name", "variables", "driftCheckInterval")


def arg_id(value: Any, name: str) -> str:
    """A UUID argument, canonical; BadInput naming `name` otherwise."""
    return check_id(value, name)


def under_input(exc: BadInput, form: Collection[str], prefix: str = "input") -> BadInput:
    """`exc` about a service's input, its fields named by their path in the request: a
    field of the entry's form (`form`) lives under `input.variables.`, the input's own
    fields (`name`, `target`, ...) under `input.`."""
    if isinstance(exc, InvalidValues):  # the form's problems (and the target's)

        def path(field: str) -> str:
            if field in form or field not in INPUT_FIELDS:
                return f"{prefix}.variables.{field}"
            return f"{prefix}.{field}"

        return InvalidValues([(path(f), p) for f, p in exc.problems])
    if exc.field is None:
        return exc
    name = API_NAMES.get(exc.field, exc.field)  # the domain's name of an input field -> the API's
    new = f"{prefix}.{name}" if name in INPUT_FIELDS else f"{prefix}.variables.{name}"
    message = exc.message.removeprefix(f"{exc.field}: ")
    return BadInput(f"{new}: {message}", field=new)


def service_filter(given: ServiceFilter | None) -> DomainFilter:
    """The domain's filter of a listing (checked by the domain, see `filter_errors`)."""
    if given is None:
        return EVERY
    entry = str(given.catalog_entry_id) if given.catalog_entry_id is not None else None
    return DomainFilter(frozenset(given.status or ()), entry, given.search)


@contextlib.contextmanager
def filter_errors() -> Iterator[None]:
    """A refused filter value named by its path: `filter.search`, `filter.catalogEntryId`."""
    try:
        yield
    except BadInput as exc:
        if exc.field not in ("search", "catalog_entry", "status"):
            raise
        name = API_NAMES.get(exc.field, exc.field)
        message = exc.message.removeprefix(f"{exc.field}: ")
        raise BadInput(f"filter.{name}: {message}", field=f"filter.{name}") from None
