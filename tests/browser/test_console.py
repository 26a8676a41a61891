"""The console in a real browser against a real `spawnit serve` (auth off): a static site
deployed through the wizard (a refused value first, its message on its field), planned and
that plan applied with the log and progress arriving live, its endpoint opened, its process
killed by hand and the DRIFTED badge appearing without a reload, then destroyed and deleted.
Every request off 127.0.0.1 is refused; screenshots of each page, light and dark."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

from playwright.async_api import Page, expect

from tests.api.client import Api
from tests.browser.console import WAIT_MS, chromium, listener_pid, open_tab, spawnit_served
from tests.support import free_port

CREATE = "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }"


async def refused_message(api: Api, port: int) -> str:
    """What the API itself says of this port, as the wizard will send it."""
    inputs = {
        "catalogEntryId": "static-site",
        "target": "local",
        "name": "probe",
        "variables": {"title": "x", "port": port},
    }
    errors = await api.errors(CREATE, i=inputs)
    message = errors.errors[0]["message"]
    named, _, problem = message.partition(": ")
    assert named.endswith("port") and errors.errors[0]["extensions"]["code"] == "BAD_USER_INPUT", message
    return problem


async def fill_form(page: Page, port: str) -> None:
    await page.locator("#field-service-name").fill("hello")
    await page.locator("#field-title").fill("Hello from the console")
    await page.locator("#field-port").fill(port)
    await page.get_by_role("button", name="Review").click()


async def wait_state(page: Page, state: str) -> None:
    await expect(page.get_by_test_id("job-state")).to_contain_text(state, timeout=WAIT_MS)


async def test_deploy_watch_drift_destroy_delete(tmp_path: Path) -> None:
    with spawnit_served(tmp_path) as served:
        async with chromium() as browser:
            tab = await open_tab(browser, f"{served.url}/catalog")
            page = tab.page
            await expect(page.get_by_test_id("auth-off")).to_be_visible(timeout=WAIT_MS)
            await expect(page.locator("[data-entry=static-site]")).to_contain_text("local", timeout=WAIT_MS)
            # keyboard first: the first Tab reaches the skip link, which moves focus to the page
            await page.keyboard.press("Tab")
            await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
            await tab.shoot("catalog")
            await tab.shoot("catalog-top", full=False)  # the first screen, for docs/screenshots
            search = page.get_by_label("Search the catalog")
            await search.fill("web page")  # words of the description
            await expect(page.locator("[data-entry]")).to_have_count(1)
            await search.fill("no such thing")
            await expect(page.get_by_text("Nothing in the catalog matches")).to_be_visible()
            await search.fill("")

            # the wizard: entry -> target -> form; a port the API refuses lands on its field
            await page.get_by_role("link", name="Deploy Static web site").click()
            await expect(page.get_by_role("radio", name="local")).to_be_checked(timeout=WAIT_MS)
            await page.get_by_role("button", name="Next").click()
            unlabelled = await page.locator("input, select, textarea").evaluate_all(
                "(els) => els.filter((e) => !e.labels.length && !e.getAttribute('aria-label')).map((e) => e.outerHTML)"
            )
            assert unlabelled == [], f"form controls without a label: {unlabelled}"
            await fill_form(page, "80")
            await page.get_by_role("button", name="Create and apply").click()
            error = page.locator('[data-field="port"] .field-error')
            await expect(error).to_have_text(await refused_message(served.api, 80), timeout=WAIT_MS)
            await expect(page.locator("#field-port")).to_have_attribute("aria-invalid", "true")
            assert (await served.api.run("{ services { totalCount } }"))["services"]["totalCount"] == 0
            await tab.shoot("deploy-form-error")

            # a dashboard open all along, never reloaded: its badges follow serviceEvents
            dash = await open_tab(browser, f"{served.url}/")
            await expect(dash.page.get_by_text("No services yet")).to_be_visible(timeout=WAIT_MS)
            await dash.page.evaluate("window.__sameDocument = true")
            live = dash.page.locator("tr[data-service]")

            # plan, then apply exactly that plan; lines and progress arrive over the socket
            port = free_port()
            await fill_form(page, str(port))
            await expect(page.get_by_role("cell", name=str(port))).to_be_visible()
            await tab.shoot("deploy-review")
            await page.get_by_role("button", name="Create and plan").click()
            await expect(page.locator("h1")).to_have_text("plan job", timeout=WAIT_MS)
            await wait_state(page, "SUCCEEDED")
            await expect(page.get_by_test_id("job-summary")).to_contain_text("1 to add", timeout=WAIT_MS)
            plan_url = page.url
            await page.get_by_role("button", name="Apply this plan").click()
            await expect(page).not_to_have_url(plan_url, timeout=WAIT_MS)
            await expect(page.locator("h1")).to_have_text("apply job", timeout=WAIT_MS)
            await wait_state(page, "SUCCEEDED")
            job_id = page.url.rsplit("/", 1)[1]
            assert (await served.api.job(job_id))["planJobId"] == plan_url.rsplit("/", 1)[1]
            logs = await served.api.logs(job_id)
            await expect(page.get_by_test_id("log-count")).to_contain_text(
                f"{len(logs)} lines · complete", timeout=WAIT_MS
            )
            shown = await page.locator("[data-line]").evaluate_all("(els) => els.map((e) => e.textContent)")
            assert shown == [line["text"] + "\n" for line in logs], "the viewer lost, repeated or mixed up a line"
            assert any("jobLogBatches" in frame and "Apply complete" in frame for frame in tab.received)
            progress = page.get_by_test_id("job-progress")
            done, total = await progress.get_attribute("value"), await progress.get_attribute("max")
            job = await served.api.job(job_id)
            assert int(done or 0) == int(total or 0) == job["progress"]["total"] > 0
            await tab.shoot("job-log")
            await expect(live.get_by_test_id("status")).to_have_text(re.compile("DEPLOYED"), timeout=WAIT_MS)

            # the service: DEPLOYED, its endpoint answers the page we asked for
            await page.get_by_role("link", name="hello").click()
            await expect(page.get_by_test_id("status")).to_have_text(re.compile("DEPLOYED"), timeout=WAIT_MS)
            endpoint = page.get_by_test_id("output-endpoint")
            assert await endpoint.get_attribute("href") == f"http://127.0.0.1:{port}/"
            async with tab.context.expect_page() as opened:
                await endpoint.click()
            site = await opened.value
            await expect(site.locator("h1")).to_have_text("Hello from the console", timeout=WAIT_MS)
            await site.close()
            await expect(page.locator("svg.graph g.node").first).to_be_visible(timeout=WAIT_MS)
            await tab.shoot("service")

            # the process killed by hand: the drift badge turns DRIFTED with no reload
            await page.evaluate("window.__sameDocument = true")
            os.kill(listener_pid(port), signal.SIGKILL)
            await page.get_by_role("button", name="Check drift now").click()
            await expect(page.get_by_test_id("drift")).to_have_text(re.compile("DRIFTED"), timeout=WAIT_MS)
            await expect(page.get_by_test_id("drift-resources")).to_contain_text("spawnit_", timeout=WAIT_MS)
            assert await page.evaluate("window.__sameDocument === true"), "the page reloaded"
            await tab.shoot("service-drifted")
            await expect(live.get_by_test_id("drift")).to_have_text(re.compile("DRIFTED"), timeout=WAIT_MS)
            await expect(dash.page.get_by_test_id("count-drifted")).to_have_text("1", timeout=WAIT_MS)
            assert await dash.page.evaluate("window.__sameDocument === true"), "the dashboard reloaded"
            assert dash.refused == [] and dash.errors == [], (dash.refused, dash.errors)
            await dash.context.close()

            drifted_url = page.url
            await page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
            row = page.locator("tr[data-service]")
            await expect(row.get_by_test_id("drift")).to_have_text(re.compile("DRIFTED"), timeout=WAIT_MS)
            await expect(page.get_by_test_id("count-drifted")).to_have_text("1", timeout=WAIT_MS)
            await tab.shoot("dashboard")
            phone = await open_tab(browser, drifted_url, width=390, height=844, scheme="dark")
            await expect(phone.page.get_by_test_id("drift")).to_have_text(re.compile("DRIFTED"), timeout=WAIT_MS)
            assert await phone.page.locator("html").get_attribute("data-theme") == "dark"  # the system's choice
            width = await phone.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the service page is {width} px wide on a 390 px phone"
            await phone.shoot("service-phone")
            await phone.context.close()

            # destroy, then delete
            await row.get_by_role("link", name="hello").click()
            page.once("dialog", lambda dialog: dialog.accept())
            await page.get_by_role("button", name="Destroy").click()
            await expect(page.locator("h1")).to_have_text("destroy job", timeout=WAIT_MS)
            await wait_state(page, "SUCCEEDED")
            await page.get_by_role("link", name="hello").click()
            await expect(page.get_by_test_id("status")).to_have_text(re.compile("DESTROYED"), timeout=WAIT_MS)
            page.once("dialog", lambda dialog: dialog.accept())
            await page.get_by_role("button", name="Delete").click()
            await expect(page.get_by_test_id("count-total")).to_have_text("0", timeout=WAIT_MS)
            await expect(page.locator("tr[data-service]")).to_have_count(0)

            assert tab.refused == [], f"the console asked for something off the host: {tab.refused}"
            assert tab.errors == [], tab.errors
