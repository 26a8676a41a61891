"""The dashboard's listing through a real server: `services(filter: ...)` filtered before
the page is cut (`totalCount` the filter's on every page), `serviceCounts` by status, a
refused filter value named, and a tenant that sees only its own services in both."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.client import Api
from tests.issuer import AUDIENCE, Issuer
from tests.server import Running, Start
from tests.support import free_port

PAGE = """query($first: Int!, $after: String, $filter: ServiceFilter) {
  services(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id name status catalogEntry { id } } }
  }
}"""
ADMIN = "query($filter: ServiceFilter) { allServices(filter: $filter) { totalCount edges { node { id } } } }"
COUNTS = "query($filter: ServiceFilter) { serviceCounts(filter: $filter) { total deployed drifted failed changed inProgress byStatus { status count } } }"


async def every_page(api: Api, filter: dict[str, Any] | None, first: int = 5) -> tuple[list[dict], set[int]]:
    """The nodes of every page, in order, and the totalCounts the pages said."""
    nodes: list[dict] = []
    totals: set[int] = set()
    after = None
    while True:
        page = (await api.run(PAGE, first=first, after=after, filter=filter))["services"]
        nodes += [e["node"] for e in page["edges"]]
        totals.add(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, totals
        after = page["pageInfo"]["endCursor"]


async def fleet(api: Api) -> dict[str, list[str]]:
    """12 static sites named Web-00.., 7 redis named cache-..: their ids by kind."""
    made: dict[str, list[str]] = {"web": [], "cache": []}
    for n in range(12):
        made["web"].append((await api.create("static-site", f"Web-{n:02d}", title="t", port=free_port()))["id"])
    for n in range(7):
        made["cache"].append((await api.create("redis", f"cache-{n}", port=free_port()))["id"])
    return made


async def test_filters_apply_before_the_page_and_counts_follow_the_status(spawnit: Running) -> None:
    api = spawnit.api
    made = await fleet(api)
    everything, totals = await every_page(api, None)
    assert [n["id"] for n in everything] == made["web"] + made["cache"] and totals == {19}

    found, totals = await every_page(api, {"search": "wEB-0"})  # any case, a part of the name
    assert [n["id"] for n in found] == made["web"][:10] and totals == {10}
    found, totals = await every_page(api, {"catalogEntryId": "redis"}, first=3)
    assert [n["id"] for n in found] == made["cache"] and totals == {7}
    found, totals = await every_page(api, {"catalogEntryId": "redis", "search": "CACHE-6"})
    assert [n["id"] for n in found] == made["cache"][6:] and totals == {1}

    site = made["web"][3]
    job = await api.mutate_job("applyService", site)
    assert (await api.wait_job(job["id"]))["state"] == "SUCCEEDED"
    found, totals = await every_page(api, {"status": "DEPLOYED"})  # one value where a list is expected
    assert [(n["id"], n["status"]) for n in found] == [(site, "DEPLOYED")] and totals == {1}
    found, totals = await every_page(api, {"status": ["DRAFT", "FAILED"]}, first=4)
    assert [n["id"] for n in found] == [i for i in made["web"] + made["cache"] if i != site] and totals == {18}
    found, _ = await every_page(api, {"status": ["DEPLOYED", "DRAFT"], "search": "web-03"})
    assert [n["id"] for n in found] == [site]

    counts = (await api.run(COUNTS))["serviceCounts"]
    assert (counts["total"], counts["deployed"], counts["drifted"], counts["failed"]) == (19, 1, 0, 0)
    by = {c["status"]: c["count"] for c in counts["byStatus"]}
    assert by == {**dict.fromkeys(by, 0), "DRAFT": 18, "DEPLOYED": 1} and "BROKEN" in by
    counts = (await api.run(COUNTS, filter={"catalogEntryId": "static-site"}))["serviceCounts"]
    assert (counts["total"], counts["deployed"]) == (12, 1)

    job = await api.mutate_job("destroyService", site)
    assert (await api.wait_job(job["id"]))["state"] == "SUCCEEDED"
    counts = (await api.run(COUNTS))["serviceCounts"]
    assert (counts["total"], counts["deployed"]) == (19, 0)
    assert {c["status"]: c["count"] for c in counts["byStatus"]}["DESTROYED"] == 1


@pytest.mark.parametrize(
    ("filter", "field", "words"),
    [
        ({"status": ["DEPLOYED", "NOPE"]}, "filter.status[1]", "NOPE"),
        ({"search": "x" * 101}, "filter.search", "at most 100"),
        ({"search": "a\x00b"}, "filter.search", "control characters"),
        ({"catalogEntryId": "no-such-entry"}, "filter.catalogEntryId", "no-such-entry"),
    ],
)
async def test_a_bad_filter_value_is_named(api: Api, filter: dict[str, Any], field: str, words: str) -> None:
    for query in (PAGE, COUNTS):
        args = {"first": 5} if query is PAGE else {}
        refused = await api.errors(query, filter=filter, **args)
        assert refused.codes == ["BAD_USER_INPUT"], refused.errors
        assert refused.errors[0]["extensions"]["field"] == field, refused.errors
        assert words in refused.errors[0]["message"], refused.errors
    refused = await api.errors("{ services(filter: {status: [DEPLOYED, NOPE]}) { totalCount } }")
    assert refused.codes == ["BAD_USER_INPUT"] and refused.errors[0]["extensions"]["field"] == "filter.status[1]"


async def test_a_tenant_lists_and_counts_its_own_services_only(start: Start, issuer: Issuer) -> None:
    spawnit = await start(oidc_issuer=issuer.url, oidc_audience=AUDIENCE, local_target="tenants")
    alice, bob = spawnit.api.as_(issuer.token("alice")), spawnit.api.as_(issuer.token("bob"))
    mine = [
        (await alice.create("static-site", f"shared-name-{n}", title="t", port=free_port()))["id"] for n in range(3)
    ]
    theirs = [
        (await bob.create("static-site", f"shared-name-{n}", title="t", port=free_port()))["id"] for n in range(2)
    ]
    for api, ids in ((alice, mine), (bob, theirs)):
        found, totals = await every_page(api, {"search": "shared", "catalogEntryId": "static-site"}, first=2)
        assert [n["id"] for n in found] == ids and totals == {len(ids)}
        counts = (await api.run(COUNTS))["serviceCounts"]
        assert counts["total"] == len(ids)
        assert {c["status"]: c["count"] for c in counts["byStatus"]}["DRAFT"] == len(ids)
    admin = spawnit.api.as_(issuer.token("root", realm_access={"roles": ["spawnit-admin"]}))
    every = (await admin.run(ADMIN, filter={"search": "SHARED-NAME-1"}))["allServices"]
    assert sorted(e["node"]["id"] for e in every["edges"]) == sorted([mine[1], theirs[1]]) and every["totalCount"] == 2
