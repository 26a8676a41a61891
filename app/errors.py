"""The domain's one exception tree.

Every error a caller can cause is a `SpawnItError` with a stable `code`; the GraphQL
boundary maps the tree to `extensions.code` once (see `schema/errors.py`). Anything
else that escapes is an internal fault and is answered as `INTERNAL` with no detail.
"""

from __future__ import annotations


class SpawnItError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(SpawnItError):
    """The request itself is wrong: a field, a value, an id that is not one."""

    code = "BAD_USER_INPUT"


class NotFound(SpawnItError):
    """Nothing with that id exists for this caller (another tenant's id included)."""

    code = "NOT_FOUND"


class Conflict(SpawnItError):
    """The request is well formed but the current state forbids it."""

    code = "CONFLICT"


class Unauthenticated(SpawnItError):
    code = "UNAUTHENTICATED"


class Forbidden(SpawnItError):
    code = "FORBIDDEN"


class Unavailable(SpawnItError):
    """A component SpawnIt depends on (storage, engine) cannot be reached."""

    code = "UNAVAILABLE"


class LimitExceeded(SpawnItError):
    """A limit of the caller's (jobs at once, request size) is reached."""

    code = "LIMIT_EXCEEDED"
