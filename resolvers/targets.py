from __future__ import annotations

from strawberry.types import Info

from app.errors import Unavailable
from app.services.credentials import TargetCredentials
from schema.context import of
from schema.targets import TargetCredentialsStatus


def _credentials(info: Info) -> TargetCredentials:
    credentials = of(info).app.credentials
    if credentials is None:
        raise Unavailable("target credentials are not kept by this SpawnIt")
    return credentials


async def target_credentials(info: Info, target: str) -> TargetCredentialsStatus:
    return TargetCredentialsStatus.of(await _credentials(info).status(of(info).tenant.id, target))


async def set_target_credentials(
    info: Info, target: str, access_key_id: str, secret_access_key: str, region: str | None = None
) -> TargetCredentialsStatus:
    status = await _credentials(info).set(of(info).tenant.id, target, access_key_id, secret_access_key, region)
    return TargetCredentialsStatus.of(status)


async def clear_target_credentials(info: Info, target: str) -> TargetCredentialsStatus:
    return TargetCredentialsStatus.of(await _credentials(info).clear(of(info).tenant.id, target))
