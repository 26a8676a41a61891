"""A tenant's own cloud credentials for a target (`aws`): registered by the tenant,
sealed at rest like every secret (`app/vault/box.py`), write-only (no read gives them
back: `status` says only whether they are set, the region and when), used for that
tenant's services on the target instead of the operator's."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.clock import now
from app.errors import BadInput
from app.settings import Secret
from app.storage import Store, keys
from app.vault.box import SecretBox

audit = logging.getLogger("spawnit.audit")

_ACCESS_KEY_ID = re.compile(r"^[A-Z0-9]{16,128}$")
_SECRET = re.compile(r"^[\x21-\x7e]{16,256}$")  # printable, no blank
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")


@dataclass(frozen=True)
class CloudCredentials:
    access_key_id: Secret
    secret_access_key: Secret
    region: str | None = None

    def values(self) -> tuple[str, ...]:
        """What must never be shown (masked in every line a job says)."""
        return (self.access_key_id.reveal(), self.secret_access_key.reveal())


@dataclass(frozen=True)
class CredentialsStatus:
    target: str
    set: bool
    region: str | None = None
    updated_at: datetime | None = None


class TargetCredentials:
    def __init__(self, store: Store, box: SecretBox, fallback_region: str | None = None) -> None:
        self._store = store
        self._box = box
        self.fallback_region = fallback_region  # the operator's, for credentials that name no region

    async def set(
        self, tenant: str, target: str, access_key_id: str, secret_access_key: str, region: str | None
    ) -> CredentialsStatus:
        key = keys.target_credentials(tenant, target)
        if not isinstance(access_key_id, str) or not _ACCESS_KEY_ID.match(access_key_id):
            raise BadInput(
                "access_key_id: an AWS access key id (16 to 128 capital letters and digits)", field="access_key_id"
            )
        if not isinstance(secret_access_key, str) or not _SECRET.match(secret_access_key):
            raise BadInput("secret_access_key: 16 to 256 printable characters, no blank", field="secret_access_key")
        if region is not None and not _REGION.match(region):
            raise BadInput("region: an AWS region such as eu-west-3", field="region")
        at = now()
        record = {
            "access_key_id": self._box.seal(access_key_id),
            "secret_access_key": self._box.seal(secret_access_key),
            "region": region,
            "updated_at": at.isoformat(),
        }
        await self._store.put(key, json.dumps(record).encode())
        audit.warning("target credentials set: tenant=%s target=%s", tenant, target)
        return CredentialsStatus(target, True, region, at)

    async def clear(self, tenant: str, target: str) -> CredentialsStatus:
        await self._store.delete(keys.target_credentials(tenant, target))
        audit.warning("target credentials cleared: tenant=%s target=%s", tenant, target)
        return CredentialsStatus(target, False)

    async def status(self, tenant: str, target: str) -> CredentialsStatus:
        record = await self._record(tenant, target)
        if record is None:
            return CredentialsStatus(target, False)
        return CredentialsStatus(target, True, record.get("region"), datetime.fromisoformat(record["updated_at"]))

    async def get(self, tenant: str, target: str) -> CloudCredentials | None:
        """The tenant's credentials, opened, for its jobs on `target` (None: none set)."""
        record = await self._record(tenant, target)
        if record is None:
            return None
        return CloudCredentials(
            Secret(self._box.open(record["access_key_id"])),
            Secret(self._box.open(record["secret_access_key"])),
            record.get("region"),
        )

    async def _record(self, tenant: str, target: str) -> dict[str, Any] | None:
        raw = await self._store.get(keys.target_credentials(tenant, target))
        return None if raw is None else json.loads(raw)
