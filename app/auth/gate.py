"""Who is calling, from what the transport carries: an `Authorization: Bearer` header
(HTTP, or the websocket's `connection_init` payload: `Authorization` or `authToken`)."""

from __future__ import annotations

import math

from app.auth.oidc import Identity, OIDCVerifier
from app.auth.tenant import LOCAL_TENANT
from app.errors import Unauthenticated

LOCAL = Identity(LOCAL_TENANT, math.inf)


def bearer(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    scheme, _, token = value.strip().partition(" ")
    if not token:
        return scheme  # a bare token (authToken)
    if scheme.lower() != "bearer":
        raise Unauthenticated("the Authorization scheme must be Bearer")
    return token.strip()


async def identify(verifier: OIDCVerifier | None, credential: object) -> Identity:
    """The caller's identity; with no issuer configured (auth off), the local tenant."""
    if verifier is None:
        return LOCAL
    token = bearer(credential)
    if token is None:
        raise Unauthenticated("a bearer token is required")
    return await verifier.verify(token)
