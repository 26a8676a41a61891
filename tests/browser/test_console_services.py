"""The console's lists and a service's own page against a real `spawnit serve`: the dashboard
over 25 services (pages of 20, search, filters by status and by entry, counts), a sensitive
variable masked until revealed behind a confirmation (and the reveal recorded), an edit saved
with the secret left as it was, then an edit redeployed and served."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import expect

from tests.browser.console import WAIT_MS, chromium, open_tab, spawnit_served, with_secret_entry
from tests.support import free_port

REVEAL = 'mutation($id: ID!) { revealSecret(id: $id, field: "token") }'
HISTORY = "query($id: ID!) { service(id: $id) { history { kind new } variables } }"


async def test_dashboard_pages_search_and_filters(tmp_path: Path) -> None:
    with spawnit_served(tmp_path, "--catalog-dir", str(with_secret_entry(tmp_path))) as served:
        for n in range(24):
            await served.api.create_site(f"site {n}", free_port(), name=f"site-{n:02d}")
        await served.api.create("secret-site", "the-secret", port=free_port())
        async with chromium() as browser:
            tab = await open_tab(browser, f"{served.url}/")
            page = tab.page
            rows = page.locator("tr[data-service]")
            await expect(rows).to_have_count(20, timeout=WAIT_MS)
            await expect(page.get_by_test_id("count-total")).to_have_text("25")
            await expect(page.get_by_text("Page 1 · 25 in all")).to_be_visible()
            await page.get_by_role("button", name="Next page").click()
            await expect(rows).to_have_count(5, timeout=WAIT_MS)
            await expect(rows.last).to_contain_text("the-secret")
            await expect(page.get_by_role("button", name="Next page")).to_be_disabled()
            await page.get_by_role("button", name="Previous page").click()
            await expect(rows).to_have_count(20, timeout=WAIT_MS)
            await expect(rows.first).to_contain_text("site-00")

            await page.get_by_label("Search").fill("SITE-1")  # a part of the name, whatever its case
            await expect(rows).to_have_count(10, timeout=WAIT_MS)
            await page.get_by_label("Search").fill("")
            await page.get_by_label("Service", exact=True).select_option("secret-site")
            await expect(rows).to_have_count(1, timeout=WAIT_MS)
            await expect(rows).to_contain_text("the-secret")
            await page.get_by_label("Status").select_option("DEPLOYED")
            await expect(rows).to_have_count(0, timeout=WAIT_MS)
            await page.get_by_label("Status").select_option("DRAFT")
            await expect(rows).to_have_count(1, timeout=WAIT_MS)
            await tab.shoot("dashboard-filtered")
            assert tab.refused == [] and tab.errors == [], (tab.refused, tab.errors)


async def test_reveal_asks_first_and_an_edit_keeps_the_secret(tmp_path: Path) -> None:
    with spawnit_served(tmp_path, "--catalog-dir", str(with_secret_entry(tmp_path))) as served:
        service = await served.api.create("secret-site", "vault", port=free_port())
        secret = (await served.api.run(REVEAL, id=service["id"]))["revealSecret"]
        async with chromium() as browser:
            tab = await open_tab(browser, f"{served.url}/services/{service['id']}")
            page = tab.page
            token = page.get_by_test_id("variable-token")
            await expect(token).to_have_text("********", timeout=WAIT_MS)

            page.once("dialog", lambda dialog: dialog.dismiss())  # asked, and refused: nothing shown
            await page.get_by_role("button", name="Reveal token").click()
            await expect(token).to_have_text("********")
            page.once("dialog", lambda dialog: dialog.accept())
            await page.get_by_role("button", name="Reveal token").click()
            await expect(token).to_have_text(secret, timeout=WAIT_MS)
            await expect(page.get_by_test_id("history")).to_contain_text("secret revealed token", timeout=WAIT_MS)
            history = (await served.api.run(HISTORY, id=service["id"]))["service"]["history"]
            assert [h["new"] for h in history if h["kind"] == "SECRET_REVEALED"] == ["token", "token"]

            # edit: the motto changes, the token (left blank: "unchanged") does not
            await page.get_by_role("button", name="Edit").click()
            await expect(page.locator("#field-token")).to_have_attribute("placeholder", "unchanged")
            await page.locator("#field-motto").fill("carpe diem")
            await page.get_by_role("button", name="Save", exact=True).click()
            await expect(page.get_by_test_id("variable-motto")).to_have_text("carpe diem", timeout=WAIT_MS)
            assert (await served.api.run(REVEAL, id=service["id"]))["revealSecret"] == secret
            await expect(page.get_by_test_id("status")).to_have_text(re.compile("DRAFT"))
            await tab.shoot("service-edit")

            # edit and redeploy: the running site serves the new motto
            await page.get_by_role("button", name="Edit").click()
            await page.locator("#field-motto").fill("veni vidi")
            await page.get_by_role("button", name="Save and redeploy").click()
            await expect(page.locator("h1")).to_have_text("apply job", timeout=WAIT_MS)
            await expect(page.get_by_test_id("job-state")).to_contain_text("SUCCEEDED", timeout=WAIT_MS)
            await page.get_by_role("link", name="vault").click()
            endpoint = await page.get_by_test_id("output-endpoint").get_attribute("href")
            site = await tab.context.new_page()
            await site.goto(str(endpoint))
            await expect(site.locator("h1")).to_have_text("veni vidi", timeout=WAIT_MS)
            assert (await served.api.run(REVEAL, id=service["id"]))["revealSecret"] == secret
            await served.api.wait_job((await served.api.mutate_job("destroyService", service["id"]))["id"])
            assert tab.refused == [] and tab.errors == [], (tab.refused, tab.errors)


async def test_generate_for_me_then_apply_at_once(tmp_path: Path) -> None:
    with spawnit_served(tmp_path, "--catalog-dir", str(with_secret_entry(tmp_path))) as served:
        async with chromium() as browser:
            tab = await open_tab(browser, f"{served.url}/deploy/secret-site")
            page = tab.page
            await page.get_by_role("button", name="Next").click()  # local, the one target it has
            await page.locator("#field-service-name").fill("generated")
            await page.locator("#field-port").fill(str(free_port()))
            token = page.locator("#field-token")
            await expect(token).to_have_attribute("type", "password")
            await page.get_by_role("button", name="Generate token for me").click()
            generated = await token.input_value()
            assert re.fullmatch(r"[A-Za-z0-9]{32}", generated), generated
            await page.get_by_role("button", name="Review").click()
            await expect(page.get_by_role("cell", name="•••••••• (set)")).to_be_visible()
            assert generated not in await page.content()  # the review shows it masked
            await page.get_by_role("button", name="Create and apply").click()
            await expect(page.locator("h1")).to_have_text("apply job", timeout=WAIT_MS)
            await expect(page.get_by_test_id("job-state")).to_contain_text("SUCCEEDED", timeout=WAIT_MS)
            service_id = (await served.api.job(page.url.rsplit("/", 1)[1]))["service"]["id"]
            assert (await served.api.run(REVEAL, id=service_id))["revealSecret"] == generated
            await served.api.wait_job((await served.api.mutate_job("destroyService", service_id))["id"])
            assert tab.refused == [] and tab.errors == [], (tab.refused, tab.errors)
