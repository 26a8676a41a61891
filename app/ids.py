"""Ids that may reach a storage key or a filesystem path: UUIDs we mint and check."""

from __future__ import annotations

import uuid

from app.errors import BadInput


def new_id() -> str:
    return str(uuid.uuid4())


def check_id(value: object, field: str = "id") -> str:
    """Return the canonical form of a UUID given by a caller, or raise BadInput."""
    if not isinstance(value, str):
        raise BadInput(f"{field} must be a UUID", field=field)
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise BadInput(f"{field} is not a valid id: expected a UUID", field=field) from None
    canonical = str(parsed)
    if canonical != value.lower():
        # reject braces, urn: prefixes and other spellings: one id, one key
        raise BadInput(f"{field} is not a valid id: expected a UUID", field=field)
    return canonical
