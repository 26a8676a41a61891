"""OIDC bearer tokens, checked with python-jose (the only module that uses it).

Keys come from the issuer's JWKS, found through its discovery document, cached, and
fetched again when a token names an unknown `kid` (at most once per refresh floor).
Checked: the signature, an allowed asymmetric algorithm matching the key (no `none`,
no HS* with a public key), the issuer, the audience, expiry and not-before (with a
small leeway). The tenant is a configurable claim, turned into a UUID of ours.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError, JWTError

from app.auth.tenant import Tenant, tenant_for
from app.errors import Unauthenticated, Unavailable

ALLOWED = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
_FAMILY = {"RS": "RSA", "PS": "RSA", "ES": "EC"}


@dataclass(frozen=True)
class Identity:
    tenant: Tenant
    expires_at: float  # epoch seconds


class OIDCVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        tenant_claim: str = "sub",
        roles_claim: str = "realm_access.roles",
        admin_role: str = "spawnit-admin",
        leeway: int = 30,
        refresh_floor: float = 30.0,
        max_age: float = 600.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._tenant_claim = tenant_claim
        self._roles_claim = roles_claim
        self._admin_role = admin_role
        self._leeway = leeway
        self._floor = refresh_floor
        self._max_age = max_age  # keys are fetched again past this age: removed keys go
        self._http = http or httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        self._keys: dict[str, dict[str, Any]] = {}
        self._jwks_uri: str | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        await self._http.aclose()

    async def verify(self, token: str) -> Identity:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError:
            raise Unauthenticated("the bearer token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALLOWED:
            raise Unauthenticated(f"token algorithm {str(alg)[:16]!r} is not allowed")
        key = await self._key(header.get("kid"))
        if key.get("alg", alg) != alg or key.get("kty") != _FAMILY[alg[:2]]:
            raise Unauthenticated("the token's algorithm does not match its key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={"leeway": self._leeway, "require_exp": True, "verify_at_hash": False},
            )
        except ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except JWTClaimsError as exc:
            raise Unauthenticated(f"the token's claims are not accepted: {exc}") from None
        except JWTError:
            raise Unauthenticated("the token's signature does not verify") from None
        subject = claims.get(self._tenant_claim)
        if not isinstance(subject, str) or not subject:
            raise Unauthenticated(f"the token has no {self._tenant_claim!r} claim")
        tenant = tenant_for(self.issuer, subject)
        admin = self._admin_role in _roles(claims, self._roles_claim)
        return Identity(Tenant(tenant.id, subject, admin), float(claims["exp"]))

    async def _key(self, kid: object) -> dict[str, Any]:
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("the token names no signing key (kid)")
        key = self._keys.get(kid)
        stale = time.monotonic() - self._fetched_at >= self._max_age
        if key is None or stale:
            async with self._lock:  # one fetch for a crowd of requests with a new kid
                age = time.monotonic() - self._fetched_at
                if (kid not in self._keys and age >= self._floor) or age >= self._max_age:
                    await self._refresh()
                key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("the token's signing key is not one of the issuer's keys")
        return key

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            if self._jwks_uri is None:
                response = await self._http.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                discovery = response.json()
                if discovery.get("issuer", "").rstrip("/") != self.issuer:
                    raise Unavailable("the issuer's discovery document names another issuer")
                self._jwks_uri = discovery["jwks_uri"]
            response = await self._http.get(self._jwks_uri)
            response.raise_for_status()
            keys = response.json().get("keys", [])
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise Unavailable(f"the token issuer cannot be reached: {type(exc).__name__}") from None
        self._keys = {
            k["kid"]: k for k in keys if isinstance(k, dict) and k.get("kid") and k.get("use", "sig") == "sig"
        }


def _roles(claims: dict[str, Any], path: str) -> list[str]:
    node: Any = claims
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return [r for r in node if isinstance(r, str)] if isinstance(node, list) else []
