"""The tests' issuer in a real browser (Debian's chromium through Playwright), as the
console's browser test uses it: the login page's `Sign in as bob` button returns to the
page's callback with a code, which only the PKCE verifier turns into bob's token; the
issuer's session cookie then signs the same browser in silently (`prompt=none`) until
logout."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from jose import jwt
from playwright.async_api import Page, async_playwright
from playwright.async_api import Route as BrowserRoute
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.browser.test_graphiql import ARGS, CHROMIUM, WAIT_MS, need_chromium
from tests.issuer import Issuer
from tests.issuer_login import AUTH, CLIENT_ID, LOGOUT, TOKEN, s256
from tests.server import serving_app


@pytest.fixture
async def callback() -> AsyncIterator[str]:
    """A page of the console's origin the issuer sends the browser back to."""

    async def landed(request: object) -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>back</title><p>back at the console</p>")

    async with serving_app(Starlette(routes=[Route("/callback", landed)])) as url:
        yield f"{url}/callback"


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    need_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context()

            async def loopback_only(route: BrowserRoute) -> None:
                if urlsplit(route.request.url).hostname == "127.0.0.1":
                    await route.continue_()
                else:
                    await route.abort()

            await context.route("**/*", loopback_only)
            yield await context.new_page()
        finally:
            await browser.close()


async def authorize(
    page: Page, issuer: Issuer, callback: str, click: str | None = None, **extra: str
) -> tuple[dict[str, str], str]:
    """One authorization request in the browser: the query the callback got, and the PKCE verifier."""
    verifier = secrets.token_urlsafe(48)
    query = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": callback,
        "state": "st",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    await page.goto(f"{issuer.url}{AUTH}?{urlencode(query)}", timeout=WAIT_MS)
    if click is not None:
        await page.get_by_role("button", name=click).click(timeout=WAIT_MS)
    await page.wait_for_url(f"{callback}?**", timeout=WAIT_MS)
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}, verifier


async def exchange(issuer: Issuer, callback: str, code: str, verifier: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback,
        "client_id": CLIENT_ID,
        "code_verifier": verifier,
    }
    async with httpx.AsyncClient(timeout=60) as client:
        return await client.post(issuer.url + TOKEN, data=form)


async def test_a_browser_signs_in_by_a_button_then_silently(page: Page, issuer: Issuer, callback: str) -> None:
    back, _ = await authorize(page, issuer, callback, click="Sign in as bob")
    assert back["state"] == "st" and back["iss"] == issuer.url
    refused = await exchange(issuer, callback, back["code"], secrets.token_urlsafe(48))  # not this code's verifier
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"

    # the same browser, with the issuer's session: a code at once, no page shown
    back, verifier = await authorize(page, issuer, callback, prompt="none")
    tokens = await exchange(issuer, callback, back["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    assert jwt.get_unverified_claims(tokens.json()["access_token"])["sub"] == "bob"

    await page.goto(f"{issuer.url}{LOGOUT}?{urlencode({'post_logout_redirect_uri': callback})}", timeout=WAIT_MS)
    await page.wait_for_url(callback, timeout=WAIT_MS)
    back, _ = await authorize(page, issuer, callback, prompt="none")
    assert back["error"] == "login_required" and "code" not in back
