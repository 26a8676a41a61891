"""The console's live log viewer against a real `spawnit serve`, on a service that takes its
time to start (the tests' slow-site entry): the socket cut under the page mid-job and every
line still shown once, the resubscription asking `fromLine` where the page was; pause and
resume; the whole log downloaded as text; cancel, then force cancel past SIGINT (the
engine frozen, so it cannot obey SIGINT first), the job's buttons the same DOM nodes
through every live update."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.async_api import Locator, Page, WebSocketRoute, expect

from tests.api.catalogs import with_slow_entry
from tests.browser.console import WAIT_MS, chromium, open_tab, spawnit_served
from tests.faults.engines import freeze, kill_frozen, one_engine_of
from tests.support import free_port

LOG_SUBSCRIBE = "jobLogBatches"


async def shown_lines(page: Page) -> list[str]:
    return await page.locator("[data-line]").evaluate_all("(els) => els.map((e) => e.textContent)")


def log_subscriptions(frames: list[str]) -> list[int]:
    """The `fromLine` of every jobLogBatches subscription among the frames a page sent."""
    found = []
    for frame in frames:
        message = json.loads(frame)
        payload = message.get("payload") or {}
        if message.get("type") == "subscribe" and LOG_SUBSCRIBE in payload.get("query", ""):
            found.append(payload["variables"]["fromLine"])
    return found


async def test_a_network_cut_loses_and_repeats_no_line(tmp_path: Path) -> None:
    with spawnit_served(tmp_path, "--catalog-dir", str(with_slow_entry(tmp_path))) as served:
        service = await served.api.create("slow-site", "slow", port=free_port(), delay=12)
        job = await served.api.mutate_job("applyService", service["id"])
        async with chromium() as browser:
            sockets: list[WebSocketRoute] = []
            sent: list[str] = []

            def relay(ws: WebSocketRoute) -> None:  # every socket through the test, so it can cut one
                server = ws.connect_to_server()
                ws.on_message(lambda message: (sent.append(str(message)), server.send(message)))
                server.on_message(lambda message: ws.send(message))
                sockets.append(ws)

            tab = await open_tab(browser, "about:blank")
            await tab.context.route_web_socket("**/graphql", relay)
            await tab.page.goto(f"{served.url}/jobs/{job['id']}")
            page = tab.page
            log = page.get_by_test_id("log")
            await expect(log).to_contain_text("Creating...", timeout=WAIT_MS)
            seen = len(await shown_lines(page))
            assert log_subscriptions(sent) == [0]

            await sockets[0].close(code=1001, reason="the network went away")  # the page's side
            await expect(page.get_by_test_id("job-state")).to_contain_text("SUCCEEDED", timeout=WAIT_MS)
            await expect(page.get_by_test_id("log-count")).to_contain_text("complete", timeout=WAIT_MS)
            logs = await served.api.logs(job["id"])
            assert await shown_lines(page) == [line["text"] + "\n" for line in logs]
            resumed = log_subscriptions(sent)
            assert len(sockets) >= 2 and len(resumed) >= 2, (len(sockets), resumed)
            assert resumed[0] == 0 and seen <= resumed[1] < len(logs), (seen, resumed, len(logs))
            assert any("Still creating" in line["text"] for line in logs[resumed[1] :])  # lines after the cut
            assert tab.refused == [] and tab.errors == [], (tab.refused, tab.errors)
        destroy = await served.api.mutate_job("destroyService", service["id"])
        assert (await served.api.wait_job(destroy["id"]))["state"] == "SUCCEEDED"


async def remember(button: Locator, name: str) -> None:
    """Keep the DOM node `button` finds now in the page, as `name`."""
    await button.evaluate("(el, name) => { (window.__kept ??= {})[name] = el; }", name)


async def replaced(buttons: dict[str, Locator]) -> list[str]:
    """The names of the `buttons` whose node is no longer the one `remember` kept."""
    same = "(el, name) => el.isConnected && el === window.__kept[name]"
    return [name for name, button in buttons.items() if not await button.evaluate(same, name)]


async def test_pause_download_cancel_and_force_cancel(tmp_path: Path) -> None:
    flags = ("--catalog-dir", str(with_slow_entry(tmp_path)), "--cancel-grace-seconds", "600")
    with spawnit_served(tmp_path, *flags) as served:
        service = await served.api.create("slow-site", "stubborn", port=free_port(), delay=600)
        job = await served.api.mutate_job("applyService", service["id"])
        async with chromium() as browser:
            tab = await open_tab(browser, f"{served.url}/jobs/{job['id']}")
            page = tab.page
            log = page.get_by_test_id("log")
            await expect(log).to_contain_text("Creating...", timeout=WAIT_MS)
            buttons = {
                "cancel": page.get_by_role("button", name="Cancel", exact=True),
                "download": page.get_by_role("button", name="Download log"),
                "pause": page.get_by_role("button", name=re.compile(r"^(Pause|Resume)$")),
            }
            for name, button in buttons.items():
                await remember(button, name)
            await page.get_by_role("button", name="Pause").click()
            await expect(page.get_by_test_id("log-count")).to_contain_text("paused")
            await page.get_by_role("button", name="Resume").click()
            await expect(page.get_by_test_id("log-count")).to_contain_text("live")
            await expect(log).to_contain_text("Still creating...", timeout=WAIT_MS)  # a live line, resubscribed
            await tab.shoot("job-running")

            # The job must still run when Force cancel is clicked: the engine obeys SIGINT
            # (its provider stops, it exits within a second), which would end the job and
            # take the button away under a slow click. Frozen, it ignores SIGINT.
            freeze(await one_engine_of(served.pid))
            try:
                await buttons["cancel"].click()
                force = page.get_by_role("button", name="Force cancel")
                await expect(force).to_be_visible(timeout=WAIT_MS)  # SIGINT sent; the grace is long
                await expect(log).to_contain_text("interrupting the engine (SIGINT)", timeout=WAIT_MS)
                await expect(buttons["cancel"]).to_be_disabled()
                # live updates (log lines, jobUpdates) re-render the page, never its buttons
                assert await replaced(buttons) == []
                await force.click()
                await expect(page.get_by_test_id("job-state")).to_contain_text("CANCELED", timeout=WAIT_MS)
            finally:
                kill_frozen()  # a failed test's engine does not stay stopped
            await expect(page.get_by_text("forced", exact=True)).to_be_visible(timeout=WAIT_MS)
            assert (await served.api.job(job["id"]))["forced"] is True

            await expect(page.get_by_test_id("log-count")).to_contain_text("complete", timeout=WAIT_MS)
            logs = await served.api.logs(job["id"])
            assert await shown_lines(page) == [line["text"] + "\n" for line in logs]
            assert await replaced({"download": buttons["download"]}) == []  # the job ended: still the same node
            async with page.expect_download() as download:
                await buttons["download"].click()
            saved = Path(await (await download.value).path())
            assert saved.read_text() == "".join(line["text"] + "\n" for line in logs)
            assert tab.refused == [] and tab.errors == [], (tab.refused, tab.errors)
