"""The tests' issuer as a browser signs in to it: authorization code + PKCE (S256 only),
refresh tokens, a session cookie for silent renewal (`prompt=none`), and logout, at
Keycloak's paths. Part of `tests.issuer.Issuer` (its routes and its state live here).

Signing in needs no typing: `GET .../auth` shows a form with one button per user
(`Sign in as alice`), and `login_hint=<user>` on the authorization request approves at
once, as that user. A user's name is the token's `sub` (the tenant).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from jose import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from tests.issuer import Issuer

CLIENT_ID = "spawnit-web"
AUTH = "/protocol/openid-connect/auth"
TOKEN = "/protocol/openid-connect/token"
LOGOUT = "/protocol/openid-connect/logout"
SESSION = "test_issuer_session"
CODE_SECONDS = 60
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_PASSED = ("client_id", "redirect_uri", "state", "nonce", "scope", "code_challenge", "code_challenge_method")


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of `verifier` (RFC 7636)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class Grant:
    user: str
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    scope: str
    made: float


class Login:
    """The authorization-code side of the issuer: the codes, refresh tokens and sessions it gave."""

    def __init__(self, issuer: Issuer) -> None:
        self.issuer = issuer
        self.users = ["alice", "bob"]  # the buttons of the login form
        self.clients = {CLIENT_ID}
        self.access_seconds = 300  # lifetime of the access tokens the code flow mints
        self.codes: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.sessions: dict[str, str] = {}  # session cookie -> user
        self.redeemed = 0  # codes exchanged for tokens
        self.refreshed = 0  # refresh grants honoured

    # -- the endpoints -------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(await _form_of(request))
        refusal = self._refusal(params)
        if refusal is not None:
            return HTMLResponse(f"<h1>Bad authorization request</h1><p>{html.escape(refusal)}</p>", 400)
        user = params.get("username") if request.method == "POST" else params.get("login_hint")
        session = self.sessions.get(request.cookies.get(SESSION, ""))
        if user is None and session is not None:
            user = session  # signed in already: silent renewal
        if user is None and params.get("prompt") == "none":
            return self._back(params, {"error": "login_required"})
        if user is None:
            return self._form(params)
        if user not in self.users:
            return HTMLResponse("<h1>Unknown user</h1>", 400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(
            user,
            params["client_id"],
            params["redirect_uri"],
            params["code_challenge"],
            params.get("nonce"),
            params.get("scope") or "openid",
            time.monotonic(),
        )
        response = self._back(params, {"code": code})
        if session != user:  # a new session (one per browser: the cookie is kept while it is valid)
            self.sessions.pop(request.cookies.get(SESSION, ""), None)
            cookie = secrets.token_urlsafe(16)
            self.sessions[cookie] = user
            response.set_cookie(SESSION, cookie, httponly=True, samesite="lax", path="/")
        return response

    async def token(self, request: Request) -> JSONResponse:
        form = await _form_of(request)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._redeem(form)
        if grant_type == "refresh_token":
            return self._refresh(form)
        return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    async def logout(self, request: Request) -> Response:
        self.sessions.pop(request.cookies.get(SESSION, ""), None)
        target = request.query_params.get("post_logout_redirect_uri")
        response: Response = (
            RedirectResponse(target, 302) if target and _loopback(target) else HTMLResponse("<p>Signed out.</p>")
        )
        response.delete_cookie(SESSION, path="/")
        return response

    # -- the steps -----------------------------------------------------------------------

    def _refusal(self, params: dict[str, str]) -> str | None:
        """Why an authorization request is refused before anything is redirected."""
        if params.get("client_id") not in self.clients:
            return "unknown client_id"
        if not _loopback(params.get("redirect_uri", "")):
            return "redirect_uri must be an http URL on loopback"
        if params.get("response_type", "code") != "code":
            return "only response_type=code"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE is required: code_challenge with code_challenge_method=S256"
        return None

    def _back(self, params: dict[str, str], answer: dict[str, str]) -> RedirectResponse:
        query = {**answer, "iss": self.issuer.url}
        if params.get("state") is not None:
            query["state"] = params["state"]
        uri = params["redirect_uri"]
        return RedirectResponse(uri + ("&" if "?" in uri else "?") + urlencode(query), 302)

    def _form(self, params: dict[str, str]) -> HTMLResponse:
        hidden = "".join(
            f'<input type="hidden" name="{n}" value="{html.escape(params[n])}">' for n in _PASSED if n in params
        )
        buttons = "".join(
            f'<button type="submit" name="username" value="{html.escape(u)}">Sign in as {html.escape(u)}</button>'
            for u in self.users
        )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test issuer: sign in</title></head>'
            f'<body><h1>Sign in</h1><form method="post" action="auth">{hidden}{buttons}</form></body></html>'
        )
        return HTMLResponse(page)

    def _redeem(self, form: dict[str, str]) -> JSONResponse:
        grant = self.codes.pop(form.get("code", ""), None)  # a code is used once, whatever happens
        if grant is None or time.monotonic() - grant.made > CODE_SECONDS:
            return _oauth_error("invalid_grant", "unknown, used or expired code")
        if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error("invalid_grant", "client_id or redirect_uri differ from the authorization request")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.match(verifier) or not secrets.compare_digest(s256(verifier), grant.challenge):
            return _oauth_error("invalid_grant", "PKCE verification failed: code_verifier does not match")
        self.redeemed += 1
        return self._tokens(grant)

    def _refresh(self, form: dict[str, str]) -> JSONResponse:
        grant = self.refresh_tokens.pop(form.get("refresh_token", ""), None)  # rotated: used once
        if grant is None or form.get("client_id") != grant.client_id:
            return _oauth_error("invalid_grant", "unknown or used refresh token")
        self.refreshed += 1
        return self._tokens(grant)

    def _tokens(self, grant: Grant) -> JSONResponse:
        issuer, key = self.issuer, self.issuer.key
        access = issuer.token(
            grant.user,
            exp=int(time.time()) + self.access_seconds,
            azp=grant.client_id,
            scope=grant.scope,
            typ="Bearer",
            preferred_username=grant.user,
        )
        id_claims = {**issuer.claims(grant.user), "aud": grant.client_id, "azp": grant.client_id}
        if grant.nonce is not None:
            id_claims["nonce"] = grant.nonce
        id_token = jwt.encode(id_claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})
        refresh = secrets.token_urlsafe(32)
        self.refresh_tokens[refresh] = grant
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.access_seconds,
            "refresh_token": refresh,
            "id_token": id_token,
            "scope": grant.scope,
        }
        return JSONResponse(body, headers={"cache-control": "no-store"})

    # -- wiring --------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        url = self.issuer.url
        return {
            "authorization_endpoint": url + AUTH,
            "token_endpoint": url + TOKEN,
            "end_session_endpoint": url + LOGOUT,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid"],
        }

    def routes(self, realm: str) -> list[Route]:
        return [
            Route(realm + AUTH, self.authorize, methods=["GET", "POST"]),
            Route(realm + TOKEN, self.token, methods=["POST"]),
            Route(realm + LOGOUT, self.logout, methods=["GET"]),
        ]


async def _form_of(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (a login form, a token request)."""
    return dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))


def _loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")


def _oauth_error(code: str, description: str) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, 400, headers={"cache-control": "no-store"})
