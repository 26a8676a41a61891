"""The catalog over a real server: every entry has a category and an icon URL that
serves an SVG (strict content type, a policy that runs nothing); the categories list
their entries; an icon is found by entry id only."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import httpx

from app.catalog.icons import GENERIC_SVG
from tests.api.catalogs import with_slow_entry
from tests.issuer import AUDIENCE, Issuer
from tests.server import Running, Start

SVG = "{http://www.w3.org/2000/svg}svg"

ORIGINAL = (
    "minecraft quakejs rust csgo minio nginx-proxy-manager kubernetes-node postgresql "
    "wordpress ghost keycloak drupal gitlab jenkins sonarqube artifactory"
).split()
TODAY = "static-site redis postgresql mariadb mongodb minecraft gitea jenkins nginx".split()

QUERY = "{ catalog { id name category { id name } iconUrl } }"


async def test_every_entry_has_a_category_and_an_icon_that_serves_an_svg(spawnit: Running) -> None:
    catalog = (await spawnit.api.run(QUERY))["catalog"]
    ids = [e["id"] for e in catalog]
    assert set(ORIGINAL) | set(TODAY) <= set(ids), sorted(set(ORIGINAL) | set(TODAY) - set(ids))
    sizes = {}
    async with httpx.AsyncClient(base_url=spawnit.url) as http:
        for entry in catalog:
            assert entry["category"]["id"] and entry["category"]["name"], entry
            assert entry["iconUrl"].startswith(f"/catalog/icons/{entry['id']}.svg"), entry
            response = await http.get(entry["iconUrl"])
            assert response.status_code == 200, entry["id"]
            assert response.headers["content-type"] == "image/svg+xml"
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "default-src 'none'" in response.headers["content-security-policy"]
            assert "sandbox" in response.headers["content-security-policy"]
            assert ET.fromstring(response.content).tag == SVG
            sizes[entry["id"]] = len(response.content)
    # each entry of the catalog has a picture of its own, not the generic one
    bodies = {}
    async with httpx.AsyncClient(base_url=spawnit.url) as http:
        for entry in catalog:
            bodies[(await http.get(entry["iconUrl"])).content] = entry["id"]
    assert len(bodies) == len(catalog), "two entries share an icon"


async def test_the_categories_each_with_its_entries(spawnit: Running) -> None:
    categories = (
        await spawnit.api.run("{ catalogCategories { id name description entries { id category { id } } } }")
    )["catalogCategories"]
    assert {"Game Servers", "Server Types", "Applications", "Dev Tools"} <= {c["name"] for c in categories}
    placed = {e["id"]: c["name"] for c in categories for e in c["entries"]}
    catalog = [e["id"] for e in (await spawnit.api.run("{ catalog { id } }"))["catalog"]]
    assert sorted(placed) == sorted(catalog)  # every entry on exactly one shelf
    for c in categories:
        assert c["description"] and c["entries"], c
        assert all(e["category"]["id"] == c["id"] for e in c["entries"])
    expected = {
        "Game Servers": "minecraft quakejs rust csgo",
        "Server Types": "minio nginx-proxy-manager kubernetes-node",
        "Databases": "postgresql mariadb mongodb redis",
        "Applications": "wordpress ghost keycloak drupal",
        "Dev Tools": "gitlab gitea jenkins sonarqube artifactory",
        "Web": "static-site nginx",
    }
    assert {
        name: " ".join(e["id"] for c in categories if c["name"] == name for e in c["entries"]) for name in expected
    } == expected


async def test_an_entry_that_cannot_run_here_says_why_and_is_refused_with_it(spawnit: Running) -> None:
    query = "{ catalog { id targets outputs { name } targetAvailability { target available reason } } }"
    catalog = {e["id"]: e for e in (await spawnit.api.run(query))["catalog"]}
    for entry in catalog.values():
        assert entry["outputs"], f"{entry['id']}: no connection details"
        local = [t for t in entry["targetAvailability"] if t["target"] == "local"]
        assert local, f"{entry['id']}: says nothing of local"
        if "local" not in entry["targets"]:
            assert not local[0]["available"] and "not available on 'local'" in local[0]["reason"], entry["id"]
    assert "Debian" in next(t["reason"] for t in catalog["gitlab"]["targetAvailability"] if t["target"] == "local")
    assert "local" in catalog["wordpress"]["targets"] and "local" in catalog["nginx"]["targets"]
    errors = await spawnit.api.errors(
        'mutation { createService(input: {catalogEntryId: "gitlab", target: "local", name: "g", variables: {}}) { id } }'
    )
    assert errors.codes == ["BAD_USER_INPUT"]
    assert "not available on 'local'" in errors.errors[0]["message"]


async def test_an_icon_is_looked_up_by_entry_id_only(spawnit: Running) -> None:
    async with httpx.AsyncClient(base_url=spawnit.url) as http:
        for path in (
            "/catalog/icons/no-such-entry.svg",
            "/catalog/icons/minecraft.png",
            "/catalog/icons/..%2Fcatalog.json",
            "/catalog/icons/%2e%2e%2f%2e%2e%2fpyproject.toml.svg",
            "/catalog/icons/minecraft",
        ):
            response = await http.get(path)
            assert response.status_code == 404, path
            assert "svg" not in response.headers.get("content-type", ""), path


async def test_icons_are_public_with_auth_on_and_an_entry_without_one_gets_the_generic(
    start: Start, issuer: Issuer, tmp_path: Path
) -> None:
    spawnit = await start(oidc_issuer=issuer.url, oidc_audience=AUDIENCE, catalog_dir=with_slow_entry(tmp_path))
    alice = spawnit.api.as_(issuer.token("alice"))
    urls = {e["id"]: e["iconUrl"] for e in (await alice.run("{ catalog { id iconUrl } }"))["catalog"]}
    async with httpx.AsyncClient(base_url=spawnit.url) as http:  # an <img> sends no token
        own = await http.get(urls["minecraft"])
        generic = await http.get(urls["slow-site"])
    assert own.status_code == generic.status_code == 200
    assert generic.content == GENERIC_SVG and own.content != GENERIC_SVG
    assert generic.headers["content-type"] == "image/svg+xml"
