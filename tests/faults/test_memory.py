"""Garbage ids are refused before anything keeps them: 600 requests carrying 250 kB
ids leave a real server's memory where it was (they once grew it by 140 MiB, kept as
lock keys forever)."""

from __future__ import annotations

import os
import random
import string
import subprocess
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.faults.serve import serve

ID_BYTES = 250_000
REQUESTS = 600
# what keeping the ids would cost: 600 x 250 kB = 143 MiB. Refused ids cost nothing
# once answered; what remains is the allocator's slack and the server's caches warming
# up (measured: 4 MiB here, against 117 MiB before the fix), so a quarter of the ids' size catches any keeping
# of them while leaving room for that slack.
BOUND = REQUESTS * ID_BYTES // 4

MUTATIONS = (
    'mutation($id: ID!) { updateService(id: $id, input: {name: "x"}) { id } }',
    "mutation($id: ID!) { deleteService(id: $id) { id } }",
    'mutation($id: ID!) { revealSecret(id: $id, field: "password") }',
    "mutation($id: ID!) { planService(id: $id) { id } }",
    "mutation($id: ID!) { checkDrift(id: $id) { id } }",
)


def rss(pid: int) -> int:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


async def garbage_requests(client: httpx.AsyncClient, url: str, count: int, rng: random.Random) -> None:
    for i in range(count):
        garbage = "".join(rng.choices(string.ascii_letters, k=64)) * (ID_BYTES // 64)
        answer = await client.post(url, json={"query": MUTATIONS[i % len(MUTATIONS)], "variables": {"id": garbage}})
        assert answer.status_code == 200, answer.text[:300]
        errors = answer.json()["errors"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors


async def test_six_hundred_garbage_ids_do_not_grow_the_server(tmp_path: Path) -> None:
    port = free_port()
    proc = serve(tmp_path / "data", port, tmp_path / "serve.log", drift_interval_seconds="0")
    rng = random.Random(10)
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        async with httpx.AsyncClient(timeout=60) as client:
            await garbage_requests(client, url, 50, rng)  # warm up: caches, allocator arenas
            before = rss(proc.pid)
            await garbage_requests(client, url, REQUESTS, rng)
            grown = rss(proc.pid) - before
        print(f"RSS grew by {grown / 2**20:.1f} MiB after {REQUESTS} requests")
        assert grown < BOUND, f"RSS grew by {grown / 2**20:.1f} MiB (bound {BOUND / 2**20:.0f} MiB)"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
