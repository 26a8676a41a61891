"""GraphiQL in a real browser with nothing but the host: headless Chromium (Debian's package,
driven by Playwright; Playwright's own browsers are never installed) opens a real SpawnIt's
GraphiQL while every request to a host other than 127.0.0.1 is recorded and refused."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect
from playwright.async_api import Route as BrowserRoute
from playwright.async_api import TimeoutError as PlaywrightTimeout

from app.bus import tenant_topic
from app.graphiql import DIST, is_built
from tests.api.client import FINAL
from tests.conftest import free_port
from tests.server import Running

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT = Path(os.environ.get("SPAWNIT_GRAPHIQL_SCREENSHOT", "/tmp/spawnit-graphiql.png"))
WAIT_MS = 60_000  # a generous bound on one page step on a loaded machine, never a synchronisation


def need_chromium() -> None:
    """Skipped without chromium on a developer's machine; in CI (CI=true) its absence fails."""
    if CHROMIUM.is_file():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    need_chromium()
    assert is_built(DIST), f"GraphiQL's bundle is missing from {DIST}: run scripts/bootstrap"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


class Tab:
    """One page; records every request (refusing those off the host), socket and console error."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.requests: list[str] = []
        self.refused: list[str] = []
        self.sockets: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda socket: self.sockets.append(socket.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"{error.name}: {error.message}"))

    @property
    def off_host(self) -> list[str]:
        """Every URL the page asked for (HTTP or websocket) whose host is not the loopback."""
        return [url for url in self.requests + self.sockets if urlsplit(url).hostname != "127.0.0.1"]

    async def run(self, query: str, name: str | None = None) -> Locator:
        """Replace the query editor's text with `query`, run it (Ctrl-Enter); the result pane.

        GraphiQL parses the editor's text a moment after it changes, and picks the transport
        (websocket for a subscription) from that parse: with `name`, the operation's name, wait
        until the tab shows it (the same step that parses the query) before running."""
        editor = self.page.locator(".graphiql-query-editor .monaco-editor").first
        await editor.click()
        await self.page.keyboard.press("Control+A")
        await self.page.keyboard.insert_text(query)
        # the editor may have closed a bracket on its own: drop whatever follows the cursor
        await self.page.keyboard.press("Control+Shift+End")
        await self.page.keyboard.press("Delete")
        if name is not None:
            await expect(self.page.locator(".graphiql-tab-active")).to_contain_text(name, timeout=WAIT_MS)
        await self.page.keyboard.press("Control+Enter")
        return self.page.locator(".graphiql-response")


async def open_graphiql(browser: Browser, url: str) -> Tab:
    context = await browser.new_context(viewport={"width": 1400, "height": 800})

    async def only_the_host(route: BrowserRoute) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            tab.refused.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_host)
    tab = Tab(await context.new_page())
    await tab.page.goto(url)
    try:
        await tab.page.locator(".graphiql-query-editor .monaco-editor").first.wait_for(timeout=WAIT_MS)
    except PlaywrightTimeout:
        raise AssertionError(
            f"GraphiQL never rendered; refused off-host: {tab.refused}; errors: {tab.errors}"
        ) from None
    return tab


async def test_graphiql_runs_a_query_with_nothing_but_the_host(browser: Browser, spawnit: Running) -> None:
    tenant = (await spawnit.api.run("{ me { tenantId } }"))["me"]["tenantId"]
    tab = await open_graphiql(browser, f"{spawnit.url}/graphql")  # `GET /` is the console's (test_pages)

    result = await tab.run("{ me { tenantId } }")
    await expect(result).to_contain_text(tenant, timeout=WAIT_MS)
    assert '"tenantId"' in (await result.inner_text()).replace("\xa0", " ")

    # the explorer plugin lists the live schema's root fields
    await tab.page.get_by_role("button", name="Show GraphiQL Explorer").click()
    explorer = tab.page.locator(".graphiql-explorer-root")
    await expect(explorer).to_contain_text("catalog", timeout=WAIT_MS)
    await expect(explorer).to_contain_text("tenantId", timeout=WAIT_MS)
    await tab.page.screenshot(path=str(SCREENSHOT))  # the query, its answer and the explorer
    # and edits the query: ticking `subject` under `me` adds it to the editor's text
    await explorer.get_by_text("subject", exact=True).click()
    await expect(tab.page.locator(".graphiql-query-editor .view-lines")).to_contain_text("subject", timeout=WAIT_MS)

    assert tab.refused == [] and tab.off_host == [], "GraphiQL asked for something outside the host"
    assert any(urlsplit(url).path.startswith("/graphiql/assets/") for url in tab.requests)
    assert tab.errors == [], tab.errors


async def test_graphiql_subscribes_over_a_websocket(browser: Browser, spawnit: Running) -> None:
    tenant = (await spawnit.api.run("{ me { tenantId } }"))["me"]["tenantId"]
    tab = await open_graphiql(browser, f"{spawnit.url}/graphql")
    result = await tab.run("subscription Events { serviceEvents { serviceId kind new } }", name="Events")
    bus = spawnit.spawnit.bus
    while bus.subscribers(tenant_topic(tenant)) == 0:  # readiness: GraphiQL's socket subscribed
        assert "errors" not in await result.inner_text(), await result.inner_text()
        await asyncio.sleep(0.05)

    service = await spawnit.api.create_site("seen from graphiql", free_port())
    job = await spawnit.api.mutate_job("planService", service["id"])
    await expect(result).to_contain_text(service["id"], timeout=WAIT_MS)
    assert (await spawnit.api.wait_job(job["id"]))["state"] in FINAL

    assert [urlsplit(url)[:3] for url in tab.sockets] == [("ws", urlsplit(spawnit.url).netloc, "/graphql")]
    assert tab.refused == [] and tab.off_host == [], "GraphiQL asked for something outside the host"
    assert tab.errors == [], tab.errors
