"""Services in storage. `info.json` is written last, so a half-created service never
shows; reads of a tenant's services are served from a cache this process keeps."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app.errors import BadInput, NotFound
from app.ids import check_id
from app.services.model import ServiceInfo
from app.storage import Store, keys
from app.vault.box import SecretBox


class ServiceRepository:
    def __init__(self, store: Store, box: SecretBox) -> None:
        self._store = store
        self._box = box
        self._loading = asyncio.Lock()
        self._cache: dict[str, dict[str, ServiceInfo]] = {}

    async def _tenant(self, tenant: str) -> dict[str, ServiceInfo]:
        cached = self._cache.get(tenant)
        if cached is not None:
            return cached
        async with self._loading:  # one first read per tenant, however many callers
            cached = self._cache.get(tenant)
            if cached is not None:
                return cached
            self._cache[tenant] = await self._read_tenant(tenant)
            return self._cache[tenant]

    async def _read_tenant(self, tenant: str) -> dict[str, ServiceInfo]:
        found: dict[str, ServiceInfo] = {}
        for key in await self._store.list(keys.tenant_prefix(tenant)):
            parts = key.split("/")
            if len(parts) == 4 and parts[3] == "info.json":
                raw = await self._store.get(key)
                if raw is not None:
                    info = self._from_record(json.loads(raw))
                    found[info.id] = info
        return found

    async def get(self, tenant: str, service_id: str) -> ServiceInfo:
        info = (await self._tenant(tenant)).get(service_id)
        if info is None:
            raise NotFound(f"no service with id {service_id}", field="id")
        return info

    async def of_tenant(self, tenant: str) -> list[ServiceInfo]:
        return sorted((await self._tenant(tenant)).values(), key=lambda s: (s.created_at, s.id))

    async def save(self, info: ServiceInfo, tfvars: dict[str, Any] | None = None, *, remember: bool = False) -> None:
        """Write the service (tfvars first, info.json last), then show it.

        `remember`: show it at once, even before (or without) storage taking it: a
        verdict already announced must read back as announced, and not be announced
        again when storage is down."""
        if remember:
            (await self._tenant(info.tenant))[info.id] = info
        if tfvars is not None:
            data = json.dumps(tfvars, indent=2, sort_keys=True).encode()
            await self._store.put(keys.tfvars(info.tenant, info.id), data)
        record = json.dumps(self._to_record(info), indent=2, sort_keys=True).encode()
        await self._store.put(keys.info(info.tenant, info.id), record)
        (await self._tenant(info.tenant))[info.id] = info

    def _to_record(self, info: ServiceInfo) -> dict[str, Any]:
        """info.json as stored: sensitive values sealed (encrypted at rest)."""
        data = info.to_record()
        data["variables"] = {
            name: self._box.seal(value) if name in info.sensitive and isinstance(value, str) else value
            for name, value in info.variables.items()
        }
        return data

    def _from_record(self, data: dict[str, Any]) -> ServiceInfo:
        info = ServiceInfo.from_record(data)
        opened = {
            name: self._box.open(value) if SecretBox.is_sealed(value) else value
            for name, value in info.variables.items()
        }
        return ServiceInfo.from_record({**data, "variables": opened})

    async def load_all(self) -> None:
        """Read every tenant's services (at start-up: the drift watcher sees them all)."""
        tenants = {key.split("/")[1] for key in await self._store.list(keys.CLIENTS) if key.count("/") >= 2}
        for tenant in sorted(tenants):
            if not _is_uuid(tenant):
                continue
            await self._tenant(tenant)

    def all(self) -> list[ServiceInfo]:
        """Every service this process knows (after `load_all`)."""
        return [info for services in self._cache.values() for info in services.values()]

    async def tfvars(self, info: ServiceInfo) -> dict[str, Any]:
        raw = await self._store.get(keys.tfvars(info.tenant, info.id))
        return json.loads(raw) if raw is not None else {}

    async def state(self, info: ServiceInfo) -> bytes | None:
        return await self._store.get(keys.state(info.tenant, info.id))

    async def delete(self, info: ServiceInfo) -> None:
        # info.json first: from then on the service does not exist for anyone
        await self._store.delete(keys.info(info.tenant, info.id))
        (await self._tenant(info.tenant)).pop(info.id, None)
        for key in await self._store.list(keys.service_prefix(info.tenant, info.id)):
            await self._store.delete(key)


def _is_uuid(value: str) -> bool:
    try:
        check_id(value)
    except BadInput:
        return False
    return True
