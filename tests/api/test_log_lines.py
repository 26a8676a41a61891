"""Job logs keep what a person needs: none of the engine's lock-file chatter, one line
per line (no raw newline in any line, a cancel's included), and jobUpdates never sends
the same message twice in a row."""

from __future__ import annotations

import re

from tests.api.catalogs import with_slow_entry
from tests.api.client import JOB_FIELDS, LEGACY_WS, TRANSPORT_WS, Api
from tests.api.test_jobs import applying_slowly
from tests.conftest import free_port
from tests.server import Start

CHATTER = re.compile(
    r"created a lock file|Incomplete lock file|\.terraform\.lock\.hcl|version control|same selections|in the future\.|"
    r"checksums|another platform|platform to generate|providers lock|customized provider installation|^providers\.$",
    re.IGNORECASE,
)


def bad_lines(lines: list[dict]) -> list[str]:
    return [l["text"] for l in lines if CHATTER.search(l["text"]) or "\n" in l["text"] or "\r" in l["text"]]


async def test_an_apply_log_has_no_lock_file_chatter_and_one_line_per_line(api: Api) -> None:
    service = await api.create_site("quiet", free_port())
    apply = await api.wait_job((await api.mutate_job("applyService", service["id"]))["id"])
    assert apply["state"] == "SUCCEEDED"
    lines = await api.logs(apply["id"])
    texts = [l["text"] for l in lines]
    assert any(t.startswith("$ ") and " init" in t for t in texts), texts  # init ran: the chatter's source
    assert any("successfully initialized" in t for t in texts), texts
    assert not bad_lines(lines), bad_lines(lines)
    assert all(a or b for a, b in zip(texts, texts[1:], strict=False)), "two blank lines in a row"
    destroy = await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])
    assert not bad_lines(await api.logs(destroy["id"]))


async def test_a_canceled_job_logs_one_line_per_line(start: Start, tmp_path) -> None:  # type: ignore[no-untyped-def]
    spawnit = await start(catalog_dir=with_slow_entry(tmp_path))
    api = spawnit.api
    service, apply = await applying_slowly(api)
    await api.run("mutation($id: ID!) { cancelJob(id: $id) { id } }", id=apply["id"])
    assert (await api.wait_job(apply["id"]))["state"] == "CANCELED"
    lines = await api.logs(apply["id"])
    assert any("cancel" in l["text"].lower() for l in lines)
    assert not bad_lines(lines), bad_lines(lines)
    await api.wait_job((await api.mutate_job("destroyService", service["id"]))["id"])


async def test_job_updates_never_repeat_a_message(api: Api) -> None:
    selections = ["state phase", "state", JOB_FIELDS]
    for protocol in (TRANSPORT_WS, LEGACY_WS):
        service = await api.create_site(f"updates-{protocol}", free_port())
        for kind in ("applyService", "destroyService"):
            job = await api.mutate_job(kind, service["id"])
            for selection in selections:
                seen = [
                    item["jobUpdates"]
                    async for item in api.subscribe(
                        f"subscription($id: ID!) {{ jobUpdates(jobId: $id) {{ {selection} }} }}",
                        protocol=protocol,
                        id=job["id"],
                    )
                ]
                repeats = [a for a, b in zip(seen, seen[1:], strict=False) if a == b]
                assert not repeats, (kind, selection, seen)
            assert seen[-1]["state"] == "SUCCEEDED"
