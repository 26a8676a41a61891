"""The console with auth on, in a real browser against a real `spawnit serve` and the tests'
own OIDC issuer (tests/issuer.py): sign-in with authorization code + PKCE, only the signed-in
tenant's services listed, the token on every HTTP request and in the socket's
connection_init, renewed silently before it expires, and sign-out."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from playwright.async_api import Request, expect

from tests.api.client import Api
from tests.browser.console import WAIT_MS, chromium, open_tab, spawnit_served
from tests.issuer import Issuer
from tests.support import free_port


def init_tokens(frames: list[str]) -> list[str]:
    """The bearer tokens the page sent in connection_init messages, in order."""
    found = []
    for frame in frames:
        message = json.loads(frame)
        if message.get("type") == "connection_init":
            found.append((message.get("payload") or {}).get("Authorization", ""))
    return found


async def test_sign_in_shows_only_the_tenants_services(tmp_path: Path, issuer: Issuer) -> None:
    issuer.login.access_seconds = 36  # the console renews 30 s before expiry: ~6 s after sign-in
    flags = ("--oidc-issuer", issuer.url, "--local-target", "tenants")
    with spawnit_served(tmp_path, *flags) as served:
        for user in ("alice", "bob"):
            await Api(served.url, token=issuer.token(user)).create_site(f"{user}'s", free_port(), name=f"{user}-site")
        async with chromium() as browser:
            tab = await open_tab(browser, f"{served.url}/")
            page = tab.page
            bearers: list[str | None] = []

            def on_request(request: Request) -> None:
                if request.url.endswith("/graphql") and request.method == "POST":
                    bearers.append(request.headers.get("authorization"))

            page.on("request", on_request)
            await expect(page.get_by_role("heading", name="Sign in to SpawnIt")).to_be_visible(timeout=WAIT_MS)
            assert await page.get_by_test_id("auth-off").count() == 0
            await tab.shoot("signin")
            await page.get_by_role("button", name="Sign in").click()
            await page.get_by_role("button", name="Sign in as alice").click()  # the issuer's own page

            await expect(page.get_by_test_id("signed-in-as")).to_have_text("alice", timeout=WAIT_MS)
            rows = page.locator("tr[data-service]")
            await expect(rows).to_have_count(1, timeout=WAIT_MS)
            await expect(rows).to_contain_text("alice-site")
            await expect(page.get_by_test_id("count-total")).to_have_text("1")
            assert issuer.login.redeemed == 1
            assert bearers and all(b and b.startswith("Bearer ") for b in bearers), bearers
            await tab.shoot("dashboard-signed-in")

            # silent renewal: a refresh grant before expiry, the socket reopened with the new token
            while issuer.login.refreshed == 0:  # readiness: the console's renewal reached the issuer
                await asyncio.sleep(0.1)
            while len(set(init_tokens(tab.sent))) < 2:  # readiness: the socket reopened with it
                await asyncio.sleep(0.1)
            # the dashboard's subscription moved to the new socket: a job event still reaches it
            alice = Api(served.url, token=issuer.token("alice"))
            second = await alice.create_site("alice's second", free_port(), name="alice-second")
            await alice.wait_job((await alice.mutate_job("planService", second["id"]))["id"])
            await expect(rows).to_have_count(2, timeout=WAIT_MS)
            await page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
            await expect(page.locator("[data-entry=static-site]")).to_be_visible(timeout=WAIT_MS)
            tokens = init_tokens(tab.sent)
            assert all(t.startswith("Bearer ") for t in tokens), tokens
            assert bearers[-1] == tokens[-1], "HTTP and the socket carry the same, renewed token"

            # sign-out: the issuer's session ended, the sign-in page again
            await page.get_by_role("button", name="Sign out").click()
            await expect(page.get_by_role("heading", name="Sign in to SpawnIt")).to_be_visible(timeout=WAIT_MS)
            assert tab.refused == [] and tab.errors == [], (tab.refused, tab.errors)
