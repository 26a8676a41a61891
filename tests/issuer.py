"""A real OIDC issuer for the tests: keys made here, discovery and JWKS served over
HTTP on loopback, tokens signed with python-jose; a browser signs in to it with the
authorization code flow and PKCE (tests/issuer_login.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.issuer_login import Login
from tests.server import serving_app

AUDIENCE = "spawnit-api"
REALM = "/realms/spawnit"


class Key:
    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex[:12]
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.public_pem = (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def jwk(self) -> dict[str, Any]:
        data = jwk.construct(self.public_pem, "RS256").to_dict()
        return {**data, "kid": self.kid, "use": "sig", "alg": "RS256"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    def __init__(self) -> None:
        self.url = ""
        self.keys = [Key()]
        self.published: list[Key] = list(self.keys)
        self.jwks_fetches = 0
        self.login = Login(self)  # authorization code + PKCE, refresh, sessions (tests/issuer_login.py)

    @property
    def key(self) -> Key:
        return self.keys[-1]

    def claims(self, sub: str, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.url, "aud": AUDIENCE, "sub": sub, "iat": now, "nbf": now - 1, "exp": now + 300}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, sub: str = "alice", key: Key | None = None, **overrides: Any) -> str:
        key = key or self.key
        return jwt.encode(self.claims(sub, **overrides), key.private_pem, algorithm="RS256", headers={"kid": key.kid})

    def unsigned(self, sub: str = "alice") -> str:
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": self.key.kid}).encode())
        return f"{header}.{_b64(json.dumps(self.claims(sub)).encode())}."

    def hs256_with_public_key(self, sub: str = "alice") -> str:
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": self.key.kid}).encode())
        body = _b64(json.dumps(self.claims(sub)).encode())
        signature = hmac.new(self.key.public_pem.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
        return f"{header}.{body}.{_b64(signature)}"

    def rotate(self, keep_old: bool) -> Key:
        new = Key()
        self.keys.append(new)
        self.published = [*self.published, new] if keep_old else [new]
        return new

    def app(self) -> Starlette:
        async def discovery(request: Any) -> JSONResponse:
            return JSONResponse(
                {"issuer": self.url, "jwks_uri": f"{self.url}/protocol/openid-connect/certs", **self.login.discovery()}
            )

        async def certs(request: Any) -> JSONResponse:
            self.jwks_fetches += 1
            return JSONResponse({"keys": [k.jwk() for k in self.published]})

        return Starlette(
            routes=[
                Route(f"{REALM}/.well-known/openid-configuration", discovery),
                Route(f"{REALM}/protocol/openid-connect/certs", certs),
                *self.login.routes(REALM),
            ],
            # a console signs in from its own origin: discovery, keys and tokens are fetched by the page
            middleware=[
                Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])
            ],
        )


@pytest.fixture
async def issuer() -> AsyncIterator[Issuer]:
    iss = Issuer()
    async with serving_app(iss.app()) as url:
        iss.url = f"{url}{REALM}"  # a path, as Keycloak's issuers have
        yield iss


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
