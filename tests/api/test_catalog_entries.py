"""Every catalog entry that supports `local` and is available on this host deploys
and answers here for real; one that is not available says so instead of failing."""

from __future__ import annotations

import os
import shutil
import socket
import urllib.request

import pytest

from tests.api.client import Api
from tests.conftest import free_port
from tests.issuer import AUDIENCE, Issuer
from tests.server import Start


def redis_command(endpoint: str, *words: str) -> bytes:
    host, port = endpoint.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        payload = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
        sock.sendall(payload.encode())
        return sock.recv(1024)


async def deploy(api: Api, entry: str, variables: dict) -> tuple[str, dict]:
    svc = (
        await api.run(
            "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
            i={"catalogEntryId": entry, "target": "local", "name": entry, "variables": variables},
        )
    )["createService"]
    job = await api.wait_job((await api.mutate_job("applyService", svc["id"]))["id"])
    assert job["state"] == "SUCCEEDED", job
    outputs = (await api.run("query($id: ID!) { service(id: $id) { outputs } }", id=svc["id"]))["service"]["outputs"]
    return svc["id"], outputs


async def teardown(api: Api, service_id: str) -> None:
    assert (await api.wait_job((await api.mutate_job("destroyService", service_id))["id"]))["state"] == "SUCCEEDED"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed (.ci/run installs it)")
async def test_redis_runs_on_local_and_enforces_its_password(api: Api) -> None:
    service_id, outputs = await deploy(api, "redis", {"port": free_port(), "password": "s3cr3t-pw"})
    endpoint = outputs["endpoint"]
    assert endpoint.startswith("127.0.0.1:")
    try:
        assert redis_command(endpoint, "PING").startswith(b"-NOAUTH")
        assert redis_command(endpoint, "AUTH", "s3cr3t-pw") == b"+OK\r\n"
        variables = (await api.run("query($id: ID!) { service(id: $id) { variables } }", id=service_id))["service"]
        assert variables["variables"]["password"] == "********"
    finally:
        await teardown(api, service_id)
    with pytest.raises(OSError):
        redis_command(endpoint, "PING")


async def test_every_available_local_entry_deploys_and_answers(api: Api) -> None:
    catalog = (
        await api.run("{ catalog { id targetAvailability { target available reason } fields { name required type } } }")
    )["catalog"]
    tried = 0
    for entry in catalog:
        local = next((t for t in entry["targetAvailability"] if t["target"] == "local"), None)
        if local is None:
            continue
        if not local["available"]:
            # not installed here, or software that cannot run as a process here: either says why
            assert local["reason"] and ("PATH" in local["reason"] or "not available on 'local'" in local["reason"])
            continue
        variables = {"port": free_port()} if any(f["name"] == "port" for f in entry["fields"]) else {}
        variables.update({f["name"]: "x" for f in entry["fields"] if f["required"] and f["type"] == "STRING"})
        service_id, outputs = await deploy(api, entry["id"], variables)
        endpoint = outputs["endpoint"]
        try:
            if endpoint.startswith("http"):
                with urllib.request.urlopen(endpoint, timeout=5) as response:
                    assert response.status == 200
            else:
                host, port = endpoint.rsplit(":", 1)
                socket.create_connection((host, int(port)), timeout=5).close()
        finally:
            await teardown(api, service_id)
        tried += 1
    assert tried >= 1


@pytest.mark.skipif(
    shutil.which("nginx") is None and not os.environ.get("CI"), reason="nginx is not installed (.ci/run installs it)"
)
async def test_nginx_runs_on_local_and_serves_the_page_only(api: Api) -> None:
    service_id, outputs = await deploy(
        api, "nginx", {"port": free_port(), "title": "Shop <b>open</b>", "message": "Hello from the test"}
    )
    endpoint = outputs["endpoint"]
    assert endpoint.startswith("http://127.0.0.1:")
    try:
        with urllib.request.urlopen(endpoint, timeout=5) as response:
            assert response.status == 200
            assert response.headers["Server"] == "nginx"  # Debian's nginx, not a stand-in
            body = response.read().decode()
        assert "<h1>Shop <b>open</b></h1>" in body and "Hello from the test" in body
        # every path answers the page: the service's folder (its nginx.conf, pid file) is not served
        with urllib.request.urlopen(endpoint + "nginx.conf", timeout=5) as response:
            assert response.read().decode() == body
        query = "query($id: ID!) { service(id: $id) { connection { name value } } }"
        connection = (await api.run(query, id=service_id))["service"]["connection"]
        assert connection == [{"name": "url", "value": endpoint}]
    finally:
        await teardown(api, service_id)
    with pytest.raises(OSError):
        urllib.request.urlopen(endpoint, timeout=5)


@pytest.mark.skipif(
    (shutil.which("nginx") is None or shutil.which("bwrap") is None) and not os.environ.get("CI"),
    reason="nginx or bubblewrap is not installed (.ci/run installs both)",
)
async def test_nginx_runs_for_a_tenant_in_the_sandbox(start: Start, issuer: Issuer) -> None:
    spawnit = await start(
        oidc_issuer=issuer.url, oidc_audience=AUDIENCE, jwks_refresh_floor_seconds=0, local_target="tenants"
    )
    alice = spawnit.api.as_(issuer.token("alice"))
    service_id, outputs = await deploy(alice, "nginx", {"port": free_port(), "title": "In the sandbox"})
    try:
        with urllib.request.urlopen(outputs["endpoint"], timeout=5) as response:
            assert response.status == 200 and "<h1>In the sandbox</h1>" in response.read().decode()
    finally:
        await teardown(alice, service_id)
