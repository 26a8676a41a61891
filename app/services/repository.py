"""Services in storage. `info.json` is written last, so a half-created service never
shows; reads of a tenant's services are served from a cache this process keeps.

An `info.json` that cannot be read (truncated, a value this version does not know, a
secret that does not open with this key) does not stop anything else: the service is
shown to its tenant as BROKEN (what could be salvaged of its name, entry and dates, no
variables), reported in the log by key, and refused for every change until an operator
repairs or removes the record (nothing overwrites it meanwhile)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from app.errors import Conflict, NotFound
from app.services.model import ServiceInfo
from app.storage import Store, keys
from app.storage.records import Unreadable, parse_record, report
from app.vault.box import SecretBox

READS_AT_ONCE = 16  # a tenant's records read from storage at once
LISTING_TTL = 1.0  # shared mode: a tenant's listing is read again from storage past this age


class ServiceRepository:
    def __init__(self, store: Store, box: SecretBox, *, fresh: bool = False) -> None:
        self._store = store
        self._box = box
        # shared mode: other processes write services too, so every read goes to storage
        # (the cache then only holds what was read last, for `all`)
        self._fresh = fresh
        self._listed: dict[str, float] = {}  # tenant -> when its services were last listed (fresh mode)
        self._loading = asyncio.Lock()
        self._cache: dict[str, dict[str, ServiceInfo]] = {}
        # the last records of services deleted lately (bounded): what their jobs still name
        self._gone: OrderedDict[str, ServiceInfo] = OrderedDict()

    async def _tenant(self, tenant: str) -> dict[str, ServiceInfo]:
        keys.checked(tenant, "tenant")  # before the cache keeps anything
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
        wanted = [
            (key, parts[2])
            for key in await self._store.keys_under(keys.tenant_prefix(tenant))
            if len(parts := key.split("/")) == 4 and parts[3] == "info.json" and keys.is_id(parts[2])
        ]
        gate = asyncio.Semaphore(READS_AT_ONCE)

        async def one(key: str) -> bytes | None:
            async with gate:
                return await self._store.get(key)

        found: dict[str, ServiceInfo] = {}
        for (key, service_id), raw in zip(wanted, await asyncio.gather(*(one(k) for k, _ in wanted)), strict=True):
            if raw is not None:
                info = self._read(key, tenant, service_id, raw)
                found[info.id] = info
        return found

    def _read(self, key: str, tenant: str, service_id: str, raw: bytes) -> ServiceInfo:
        """The stored service, or a BROKEN stand-in for a record that cannot be read."""
        try:
            info = parse_record(key, raw, self._from_record)
            if info.id != service_id or info.tenant != tenant:
                why = "its id or tenant does not match its key"
                report(key, why)
                raise Unreadable(why)
            return info
        except Unreadable as exc:
            return _stand_in(tenant, service_id, raw, exc.reason)

    async def get(self, tenant: str, service_id: str) -> ServiceInfo:
        if self._fresh:
            return await self._get_fresh(tenant, keys.checked(service_id))
        info = (await self._tenant(tenant)).get(keys.checked(service_id))
        if info is None:
            raise NotFound(f"no service with id {service_id}", field="id")
        return info

    async def _get_fresh(self, tenant: str, service_id: str) -> ServiceInfo:
        keys.checked(tenant, "tenant")
        key = keys.info(tenant, service_id)
        raw = await self._store.get(key)
        cached = self._cache.setdefault(tenant, {})
        if raw is None:
            cached.pop(service_id, None)
            raise NotFound(f"no service with id {service_id}", field="id")
        cached[service_id] = info = self._read(key, tenant, service_id, raw)
        return info

    async def refresh(self) -> None:
        """Shared mode: forget what was read, then read every tenant's services again."""
        self._cache.clear()
        self._listed.clear()
        await self.load_all()

    async def of_tenant(self, tenant: str) -> list[ServiceInfo]:
        if self._fresh and self._listed.get(tenant, -LISTING_TTL) + LISTING_TTL <= time.monotonic():
            keys.checked(tenant, "tenant")
            self._cache[tenant] = await self._read_tenant(tenant)
            self._listed[tenant] = time.monotonic()
        return sorted((await self._tenant(tenant)).values(), key=lambda s: (s.created_at, s.id))

    async def save(self, info: ServiceInfo, tfvars: dict[str, Any] | None = None, *, remember: bool = False) -> None:
        """Write the service (tfvars first, info.json last), then show it.

        `remember`: show it at once, even before (or without) storage taking it: a
        verdict already announced must read back as announced, and not be announced
        again when storage is down."""
        keys.checked(info.id)
        if remember and self._is_broken(info):
            return  # bookkeeping of a job that ended (recovery): keep the evidence
        self.check_writable(info)
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

    def check_writable(self, info: ServiceInfo) -> None:
        """Conflict for a BROKEN service: nothing may change it (nor overwrite its record)."""
        if self._is_broken(info):
            raise _refused(info)

    def _is_broken(self, info: ServiceInfo) -> bool:
        if info.broken is not None:
            return True
        known = self._cache.get(info.tenant, {}).get(info.id)
        return known is not None and known.broken is not None

    def _from_record(self, data: dict[str, Any]) -> ServiceInfo:
        info = ServiceInfo.from_record(data)
        opened = {
            name: self._open(value) if SecretBox.is_sealed(value) else value for name, value in info.variables.items()
        }
        return ServiceInfo.from_record({**data, "variables": opened})

    def _open(self, value: str) -> str:
        try:
            return self._box.open(value)
        except ValueError:
            raise Unreadable("a sealed value does not open with this key (SPAWNIT_SECRET_KEY changed?)") from None

    async def load_all(self) -> None:
        """Read every tenant's services (at start-up: the drift watcher sees them all)."""
        tenants = {key.split("/")[1] for key in await self._store.keys_under(keys.CLIENTS) if key.count("/") >= 2}
        for tenant in sorted(tenants):
            if not keys.is_id(tenant):
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
        self.check_writable(info)
        # info.json first: from then on the service does not exist for anyone
        await self._store.delete(keys.info(info.tenant, info.id))
        (await self._tenant(info.tenant)).pop(info.id, None)
        for key in await self._store.keys_under(keys.service_prefix(info.tenant, info.id)):
            await self._store.delete(key)
        self._gone[info.id] = info
        while len(self._gone) > GONE_KEPT:
            self._gone.popitem(last=False)

    def deleted(self, tenant: str, service_id: str) -> ServiceInfo | None:
        """The last record of a service this process deleted lately (a job of it that a
        client follows still names it), else None."""
        info = self._gone.get(service_id)
        return info if info is not None and info.tenant == tenant else None


GONE_KEPT = 256  # deleted services whose last record is kept in memory, newest
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SALVAGED = ("name", "catalog_entry", "target", "created_at", "updated_at")


def _stand_in(tenant: str, service_id: str, raw: bytes, why: str) -> ServiceInfo:
    """A BROKEN service in place of an unreadable record: the plain string fields that
    can still be found in it (name, entry, target, dates), never its variables."""
    text = raw.decode("utf-8", errors="replace")
    found: dict[str, str] = {}
    for name in _SALVAGED:
        match = re.search(rf'"{name}"\s*:\s*("(?:[^"\\]|\\.)*")', text)
        if match:
            try:
                found[name] = str(json.loads(match.group(1)))[:200]
            except ValueError:
                pass
    created = _when(found.get("created_at"))
    return ServiceInfo(
        id=service_id,
        tenant=tenant,
        name=found.get("name") or "(unreadable record)",
        catalog_entry=found.get("catalog_entry", ""),
        target=found.get("target", ""),
        variables={},
        created_at=created,
        updated_at=_when(found.get("updated_at"), created),
        broken=why,
    )


def _when(value: str | None, default: datetime = _EPOCH) -> datetime:
    try:
        at = datetime.fromisoformat(value) if value else default
    except ValueError:
        return default
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _refused(info: ServiceInfo) -> Conflict:
    return Conflict(
        f"service {info.id} cannot be changed: its stored record "
        f"({keys.info(info.tenant, info.id)}) cannot be read ({info.broken or 'unreadable'}). "
        "An operator must repair or remove that object; nothing else is affected"
    )
