"""Categories, icons, connection details and unsupported targets in the catalog's files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.catalog.icons import GENERIC, MAX_BYTES, check_svg
from app.catalog.loader import load_catalog
from app.catalog.model import EveryTarget
from app.catalog.outputs import connection_details
from app.storage import keys
from tests.catalog.test_loader import GOOD_FIELD, GOOD_TARGETS, REPO_CATALOG, MemoryStore

ENTRY = {"id": "demo", "name": "Demo", "description": "d", "template": "demo"}
SHELVES = [{"id": "games", "name": "Games", "description": "Play."}, {"id": "empty", "name": "E", "description": "e"}]
HEAD = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">'


def store(template: dict | None = None, catalog: dict | None = None) -> MemoryStore:
    catalog = catalog if catalog is not None else {"categories": SHELVES, "entries": [{**ENTRY, "category": "games"}]}
    template = template if template is not None else {"fields": [GOOD_FIELD], "targets": GOOD_TARGETS}
    return MemoryStore(
        {keys.CATALOG: json.dumps(catalog).encode(), keys.template("demo"): json.dumps(template).encode()}
    )


async def test_an_entry_sits_in_its_category_and_only_used_categories_are_listed() -> None:
    catalog = await load_catalog(store(), REPO_CATALOG)
    entry = catalog.get("demo")
    assert (entry.category.id, entry.category.name, entry.category.description) == ("games", "Games", "Play.")
    assert list(catalog.categories) == ["games"]
    assert [e.id for e in catalog.in_category("games")] == ["demo"]


async def test_an_entry_without_a_category_goes_to_other() -> None:
    catalog = await load_catalog(store(catalog={"entries": [ENTRY]}), REPO_CATALOG)
    assert catalog.get("demo").category.id == "other"
    assert list(catalog.categories) == ["other"]


@pytest.mark.parametrize(
    "catalog, words",
    [
        ({"categories": SHELVES, "entries": [{**ENTRY, "category": "nope"}]}, ["entry 'demo'", "'nope' is not in"]),
        ({"categories": [{"id": "A!", "name": "a", "description": "d"}], "entries": []}, ["id must match"]),
        ({"categories": [SHELVES[0], SHELVES[0]], "entries": []}, ["categories[1]", "duplicate id"]),
        ({"categories": [{"id": "a", "name": "", "description": "d"}], "entries": []}, ["name must be"]),
        ({"categories": {}, "entries": []}, ['"categories" must be a list']),
        ({"entries": [], "shelves": []}, ["unknown keys shelves"]),
    ],
)
async def test_broken_categories_are_refused(catalog: dict, words: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        await load_catalog(store(catalog=catalog), REPO_CATALOG)
    for word in words:
        assert word in str(caught.value)


async def test_an_unsupported_target_says_why() -> None:
    template = {"fields": [GOOD_FIELD], "targets": GOOD_TARGETS, "unsupported": {"docker": "no image here"}}
    entry = (await load_catalog(store(template), REPO_CATALOG)).get("demo")
    assert entry.unavailable_reason("docker", EveryTarget()) == "not available on 'docker': no image here"
    both = {**template, "unsupported": {"local": "why"}}
    with pytest.raises(ValueError, match="both supported and unsupported: local"):
        await load_catalog(store(both), REPO_CATALOG)


async def test_connection_details_fill_in_the_endpoint_and_mask_a_password() -> None:
    pw = {"name": "pw", "type": "string", "sensitive": True, "default": "", "generate": True, "max": 64}
    user = {"name": "user", "type": "string", "default": "app"}
    outputs = [
        {"name": "url", "description": "Open it.", "value": "{{endpoint}}"},
        {"name": "dsn", "description": "Connect.", "value": "db://{{user}}:{{pw}}@{{host}}:{{port}}/{{service_name}}"},
    ]
    template = {"fields": [GOOD_FIELD, pw, user], "targets": GOOD_TARGETS, "outputs": outputs}
    entry = (await load_catalog(store(template), REPO_CATALOG)).get("demo")
    values = {"port": 80, "pw": "s3cret-value", "user": "app"}
    builtins = {"service_id": "x", "service_name": "shop"}
    found = connection_details(entry, values, builtins, {"endpoint": "http://10.0.0.5:8080/"})
    assert [(o.name, v) for o, v in found] == [
        ("url", "http://10.0.0.5:8080/"),
        ("dsn", "db://app:********@10.0.0.5:8080/shop"),
    ]
    plain = connection_details(entry, values, builtins, {"endpoint": "127.0.0.1:5432"})
    assert plain[1][1] == "db://app:********@127.0.0.1:5432/shop"
    assert connection_details(entry, values, builtins, {}) == []
    with pytest.raises(ValueError, match="name no field or module output: nope"):
        bad = [{"name": "x", "description": "d", "value": "{{nope}}"}]
        await load_catalog(store({**template, "outputs": bad}), REPO_CATALOG)


@pytest.mark.parametrize(
    "svg, words",
    [
        (HEAD + b"<script>alert(1)</script></svg>", "<script> is not allowed"),
        (HEAD + b'<rect onload="x()" width="1" height="1"/></svg>', "event handler"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<a x:href="https://evil.example/">a</a></svg>',
            "points outside",
        ),
        (HEAD + b'<rect style="fill:url(https://evil.example/x)"/></svg>', "points outside"),
        (HEAD + b"<style>@import 'x.css';</style></svg>", "@import"),
        (HEAD + b'<foreignObject width="1" height="1"/></svg>', "foreignObject"),
        (b'<!DOCTYPE svg [<!ENTITY a "b">]>' + HEAD + b"</svg>", "DOCTYPE"),
        (b"<html><body/></html>", "root element must be <svg"),
        (HEAD + b'<h:p xmlns:h="http://www.w3.org/1999/xhtml"/></svg>', "outside the SVG namespace"),
        (HEAD + b"<rect", "not well-formed"),
        (HEAD + b"<!--" + b"x" * MAX_BYTES + b"--></svg>", "at most"),
    ],
)
def test_an_icon_that_could_do_more_than_draw_is_refused(svg: bytes, words: str) -> None:
    with pytest.raises(ValueError, match="icon.svg") as caught:
        check_svg(svg, "icon.svg")
    assert words in str(caught.value)


def test_every_shipped_icon_is_a_safe_svg_of_its_own_and_names_an_entry() -> None:
    entries = {e["id"] for e in json.loads((REPO_CATALOG / "catalog.json").read_text())["entries"]}
    icons = sorted(Path(REPO_CATALOG / "icons").glob("*.svg"))
    assert {p.stem for p in icons} == entries  # one per entry, none left over
    seen = {check_svg(p.read_bytes(), str(p)).version for p in icons}
    assert len(seen) == len(icons) and GENERIC.version not in seen


async def test_the_shipped_catalog_gives_every_entry_a_category_and_its_own_icon() -> None:
    catalog = await load_catalog(MemoryStore(), REPO_CATALOG)
    for entry in catalog:
        assert entry.category.id != "other", entry.id
        assert entry.icon is not None, entry.id


async def test_no_shipped_connection_detail_shows_a_secret() -> None:
    from tests.catalog.test_templates_vs_modules import sample_values

    catalog = await load_catalog(MemoryStore(), REPO_CATALOG)
    builtins = {"service_id": "0b7c6d4e-0000-4000-8000-00000000000a", "service_name": "svc"}
    masked = 0
    for entry in catalog:
        values = sample_values(entry)
        secrets = [values[f.name] for f in entry.fields if f.sensitive and values[f.name]]
        details = connection_details(entry, values, builtins, {"endpoint": "http://203.0.113.7:8080/"})
        assert details, f"{entry.id}: no connection details"
        for output, value in details:
            assert "{{" not in value and value, f"{entry.id}.{output.name}: {value!r}"
            assert not any(s in value for s in secrets), f"{entry.id}.{output.name} shows a secret"
            masked += "********" in value
    assert masked >= 5  # connection strings name their password, masked (postgresql, mariadb, mongodb, redis, minio...)
