"""Tenants. A tenant's id is a UUID SpawnIt derives from the token's issuer and tenant
claim: the claim is a user string and never becomes part of a key or a path itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

_NAMESPACE = uuid.UUID("6f1f9c5e-4d1b-4b8e-9a53-2f0f4b3a7c10")


@dataclass(frozen=True)
class Tenant:
    id: str  # UUID: the key prefix of everything the tenant owns
    subject: str  # the claim it was derived from
    admin: bool = False


def tenant_for(issuer: str, subject: str) -> Tenant:
    return Tenant(str(uuid.uuid5(_NAMESPACE, f"{issuer}\0{subject}")), subject)


LOCAL_TENANT = tenant_for("spawnit:auth-off", "local")
