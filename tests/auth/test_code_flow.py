"""The tests' issuer signs a browser in with the authorization code flow and PKCE, the way
the console does: found from SpawnIt's `/console/config.json`, a code for a chosen user
without typing, exchanged only with the right `code_verifier`, refreshed, renewed
silently with the issuer's session; SpawnIt accepts the tokens it mints."""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.auth.tenant import tenant_for
from tests.issuer import AUDIENCE, Issuer
from tests.issuer_login import CLIENT_ID, s256
from tests.server import Running, Start

REDIRECT = "http://127.0.0.1:5173/callback"
ME = {"query": "{ me { tenantId subject } }"}


@pytest.fixture
async def secured(start: Start, issuer: Issuer) -> Running:
    return await start(oidc_issuer=issuer.url, oidc_audience=AUDIENCE, jwks_refresh_floor_seconds=0)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


async def discover(client: httpx.AsyncClient, spawnit: Running) -> dict[str, Any]:
    """What the console does first: SpawnIt's config, then the issuer's discovery document."""
    config = (await client.get(f"{spawnit.url}/console/config.json")).json()
    assert config["auth"]["enabled"] is True and config["auth"]["clientId"] == CLIENT_ID
    found = (await client.get(config["auth"]["issuer"] + "/.well-known/openid-configuration")).json()
    return {**found, "client_id": config["auth"]["clientId"]}


def redirected(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def authorization(found: dict[str, Any], challenge: str, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": found["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "s-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


async def exchange(client: httpx.AsyncClient, found: dict[str, Any], code: str, verifier: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": found["client_id"],
        "code_verifier": verifier,
    }
    return await client.post(found["token_endpoint"], data=form)


async def me(client: httpx.AsyncClient, spawnit: Running, token: str) -> httpx.Response:
    return await client.post(f"{spawnit.url}/graphql", json=ME, headers={"Authorization": f"Bearer {token}"})


async def test_code_and_pkce_sign_in_and_a_wrong_verifier_is_refused(secured: Running, issuer: Issuer) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        found = await discover(client, secured)
        assert found["code_challenge_methods_supported"] == ["S256"]
        assert {"authorization_endpoint", "token_endpoint", "jwks_uri"} <= found.keys()
        verifier, challenge = pkce()
        auth = found["authorization_endpoint"]
        back = redirected(await client.get(auth, params=authorization(found, challenge, login_hint="alice")))
        assert back["state"] == "s-123" and back["iss"] == issuer.url

        wrong = await exchange(client, found, back["code"], pkce()[0])
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant", wrong.text
        assert "code_verifier" in wrong.json()["error_description"]
        spent = await exchange(client, found, back["code"], verifier)  # a code is used once, even refused
        assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"
        assert issuer.login.redeemed == 0

        back = redirected(await client.get(auth, params=authorization(found, challenge, login_hint="alice")))
        tokens = await exchange(client, found, back["code"], verifier)
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] > 0 and body["refresh_token"]
        answer = await me(client, secured, body["access_token"])
        assert answer.json()["data"]["me"] == {"tenantId": tenant_for(issuer.url, "alice").id, "subject": "alice"}

        # silent renewal: a refresh token gives a new access token, and is used once
        form = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": CLIENT_ID}
        renewed = await client.post(found["token_endpoint"], data=form)
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["refresh_token"] != body["refresh_token"]
        assert (await me(client, secured, renewed.json()["access_token"])).json()["data"]["me"]["subject"] == "alice"
        again = await client.post(found["token_endpoint"], data=form)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_the_login_form_signs_in_a_chosen_user_and_the_session_renews_silently(
    secured: Running, issuer: Issuer
) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        found = await discover(client, secured)
        verifier, challenge = pkce()
        params = authorization(found, challenge)
        silent = await client.get(found["authorization_endpoint"], params={**params, "prompt": "none"})
        assert redirected(silent)["error"] == "login_required"  # no session yet

        page = await client.get(found["authorization_endpoint"], params=params)
        assert page.status_code == 200 and "Sign in as bob" in page.text
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
        assert hidden["code_challenge"] == challenge
        posted = await client.post(found["authorization_endpoint"], data={**hidden, "username": "bob"})
        tokens = await exchange(client, found, redirected(posted)["code"], verifier)
        assert (await me(client, secured, tokens.json()["access_token"])).json()["data"]["me"]["subject"] == "bob"

        verifier, challenge = pkce()  # the session cookie signs bob in again, with no page
        silent = await client.get(
            found["authorization_endpoint"], params={**authorization(found, challenge), "prompt": "none"}
        )
        tokens = await exchange(client, found, redirected(silent)["code"], verifier)
        assert (await me(client, secured, tokens.json()["access_token"])).json()["data"]["me"]["subject"] == "bob"


async def test_requests_without_pkce_or_from_another_client_are_refused(secured: Running, issuer: Issuer) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        found = await discover(client, secured)
        _, challenge = pkce()
        good = authorization(found, challenge, login_hint="alice")
        for bad in (
            {"code_challenge_method": "plain"},
            {"code_challenge": ""},
            {"client_id": "someone-else"},
            {"redirect_uri": "https://evil.example/callback"},
        ):
            answer = await client.get(found["authorization_endpoint"], params={**good, **bad})
            assert answer.status_code == 400, bad  # refused on the issuer's page, never redirected
        assert issuer.login.codes == {}
