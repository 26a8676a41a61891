"""A sensitive field's value, given at create, appears nowhere afterwards: not in an API
answer, a stored job log, the stored tfvars, or a subscription message, even when the
module echoes it in a local-exec and an output. (The engine's own state file holds
what the engine holds; see the README on state.)"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import shutil
import string
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from app.bus import tenant_topic
from app.settings import Settings
from tests.api.client import JOB_FIELDS, Api
from tests.server import Running, Start

SECRET = "Tr0ub4dor&3 leak/me?"
# 128 characters: the size that made the former masker build 7,386 patterns per job
_draw = random.Random(128)
LONG = "".join(_draw.choice(string.ascii_letters + string.digits + "&/+=?% ") for _ in range(128))


def forms(secret: str) -> list[str]:
    return [
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
        json.dumps(secret)[1:-1],
    ]


LEAKY = {
    "fields": [
        {"name": "password", "type": "string", "sensitive": True, "required": True, "description": "The secret."}
    ],
    "targets": {
        "echo": {
            "variables": {
                "image": "",
                "command": [],
                "ports": [],
                "env": {},
                "endpoint_scheme": "",
                "files": {"app.conf": "password={{password}}"},
            }
        }
    },
}


def leaky_setup(tmp_path: Path) -> dict:
    catalog = tmp_path / "catalog"
    shutil.copytree(Settings().catalog_dir, catalog)
    doc = json.loads((catalog / "catalog.json").read_text())
    doc["entries"].append({"id": "leaky", "name": "Leaky", "description": "Echoes its secret.", "template": "leaky"})
    (catalog / "catalog.json").write_text(json.dumps(doc))
    (catalog / "templates" / "leaky.template.tfvars.json").write_text(json.dumps(LEAKY))
    modules = tmp_path / "modules"
    shutil.copytree(Settings().modules_dir, modules)
    shutil.copytree(Path(__file__).parent / "echo", modules / "echo")
    return {"catalog_dir": catalog, "modules_dir": modules}


def assert_clean(text: str, where: str, secret: str = SECRET) -> None:
    for form in forms(secret):
        assert form not in text, f"the secret ({form!r}) is in {where}"


@pytest.mark.parametrize("secret", [SECRET, LONG], ids=["20-chars", "128-chars"])
async def test_a_sensitive_value_appears_nowhere(start: Start, tmp_path: Path, secret: str) -> None:
    spawnit: Running = await start(**leaky_setup(tmp_path))
    api: Api = spawnit.api
    seen: list[str] = []  # every API answer and subscription message, as text

    async def run(query: str, **variables: object) -> dict:
        data = await api.run(query, **variables)
        seen.append(json.dumps(data))
        return data

    created = await run(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id variables } }",
        i={"catalogEntryId": "leaky", "target": "echo", "name": "leaky", "variables": {"password": secret}},
    )
    service_id = created["createService"]["id"]

    async def follow(query: str, **variables: object) -> None:
        async for item in api.subscribe(query, **variables):
            seen.append(json.dumps(item))

    bus = spawnit.spawnit.bus
    tenant = (await api.run("{ me { tenantId } }"))["me"]["tenantId"]
    events = asyncio.create_task(follow("subscription { serviceEvents { kind old new } }"))
    while bus.subscribers(tenant_topic(tenant)) == 0:  # until the server holds the subscription
        if events.done():
            events.result()
        await asyncio.sleep(0.01)
    job = (await run(f"mutation($id: ID!) {{ applyService(id: $id) {{ {JOB_FIELDS} }} }}", id=service_id))[
        "applyService"
    ]
    await asyncio.wait_for(
        asyncio.gather(
            follow("subscription($id: ID!) { jobLogs(jobId: $id) { number text } }", id=job["id"]),
            follow(f"subscription($id: ID!) {{ jobUpdates(jobId: $id) {{ {JOB_FIELDS} }} }}", id=job["id"]),
        ),
        60,
    )
    events.cancel()
    final = await api.job(job["id"])
    assert final["state"] == "SUCCEEDED", "\n".join(l["text"] for l in await api.logs(job["id"]))
    plan = await api.wait_job(
        (await run("mutation($id: ID!) { planService(id: $id) { id } }", id=service_id))["planService"]["id"]
    )
    for job_id in (job["id"], plan["id"]):
        await run(
            f"query($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} logs(fromLine: 0, limit: null) {{ text }} }} }}",
            id=job_id,
        )
    await run(
        "query($id: ID!) { service(id: $id) { variables outputs history { kind new } jobs { edges { node { error } } } } }",
        id=service_id,
    )

    logs = "\n".join(l["text"] for l in await api.logs(job["id"]))
    for echoed in ("plain=********", "quoted=********", "b64=********", "url=********"):
        assert echoed in logs, logs
    everything = "\n".join(seen)
    assert '"password": "********"' in everything and '"leak": "********"' in everything
    assert_clean(everything, "an API answer or a subscription message", secret)

    store = spawnit.spawnit.store
    for key in await store.keys_under(""):
        if key.endswith("terraform.tfstate"):
            continue  # the engine's state: see the README (state is the engine's to protect)
        assert_clean((await store.get(key) or b"").decode(errors="replace"), f"the stored object {key}", secret)
    for path in spawnit.settings.workdirs.rglob("terraform.tfvars.json"):
        assert_clean(path.read_text(), str(path), secret)
    # and it is still there for the engine and its owner
    revealed = await api.run('mutation($id: ID!) { revealSecret(id: $id, field: "password") }', id=service_id)
    assert revealed["revealSecret"] == secret
    history = await api.run("query($id: ID!) { service(id: $id) { history { kind new } } }", id=service_id)
    assert {"kind": "SECRET_REVEALED", "new": "password"} in history["service"]["history"]
