"""Per-tenant limits on queued or running jobs, checked and reserved in one step: a
submission holds a reservation from the check until its job is live (counted there),
so concurrent submissions can never pass the check together."""

from __future__ import annotations

from collections import Counter

from app.errors import LimitExceeded


class Slot:
    """A reserved place for one job of a tenant, released once (when the job is live,
    or when the submission fails)."""

    def __init__(self, owner: Reservations, tenant: str, check: bool) -> None:
        self._owner = owner
        self.tenant = tenant
        self.check = check
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._owner._release(self)

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Reservations:
    def __init__(self) -> None:
        self._users: Counter[str] = Counter()  # tenant -> users' jobs being submitted
        self._checks: Counter[str] = Counter()  # tenant -> drift checks being submitted

    def take(self, tenant: str, live: int, limit: int, *, check: bool) -> Slot:
        """A slot when `live` (the tenant's live jobs that count) plus those being
        submitted stay under `limit`, else LimitExceeded. No await: atomic."""
        pending = self._users[tenant] + (self._checks[tenant] if check else 0)
        if live + pending >= limit:
            what = "jobs and drift checks" if check else "jobs"
            raise LimitExceeded(f"{limit} {what} are already queued or running for you: wait for some to end")
        (self._checks if check else self._users)[tenant] += 1
        return Slot(self, tenant, check)

    def _release(self, slot: Slot) -> None:
        counter = self._checks if slot.check else self._users
        counter[slot.tenant] -= 1
        if counter[slot.tenant] <= 0:
            del counter[slot.tenant]  # nothing kept for a tenant with no submission under way

    def __len__(self) -> int:
        return len(self._users) + len(self._checks)
