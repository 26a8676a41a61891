"""Ports of the host are one service's each: a second claim is refused naming the port,
a port something else holds fails the apply clearly, and health is the service's own
process answering, not whatever listens on its port. Real server, real engine, auth on
with the tests' issuer, the local target turned on for tenants."""

from __future__ import annotations

import http.server
import os
import signal
import socket
import threading
import urllib.request

from tests.api.client import Api
from tests.conftest import free_port
from tests.issuer import AUDIENCE, Issuer
from tests.server import Running, Start

SERVICE = "query($id: ID!) { service(id: $id) { status outputs health { status detail } } }"


async def tenants(start: Start, issuer: Issuer) -> tuple[Running, Api, Api]:
    spawnit = await start(
        oidc_issuer=issuer.url, oidc_audience=AUDIENCE, jwks_refresh_floor_seconds=0, local_target="tenants"
    )
    return spawnit, spawnit.api.as_(issuer.token("alice")), spawnit.api.as_(issuer.token("bob"))


async def apply(api: Api, service_id: str) -> dict:
    return await api.wait_job((await api.mutate_job("applyService", service_id))["id"])


async def destroy(api: Api, service_id: str) -> None:
    assert (await api.wait_job((await api.mutate_job("destroyService", service_id))["id"]))["state"] == "SUCCEEDED"


def page(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        return response.read().decode()


async def test_a_second_claim_of_a_port_is_a_conflict(start: Start, issuer: Issuer) -> None:
    _, alice, bob = await tenants(start, issuer)
    port = free_port()
    site = await alice.create_site("alice's page", port)
    assert (await apply(alice, site["id"]))["state"] == "SUCCEEDED"
    try:
        create = """mutation($input: CreateServiceInput!) { createService(input: $input) { id } }"""
        errors = await bob.errors(
            create,
            input={
                "catalogEntryId": "static-site",
                "target": "local",
                "name": "b",
                "variables": {"title": "bob's", "port": port},
            },
        )
        assert errors.codes == ["CONFLICT"] and str(port) in errors.errors[0]["message"], errors.errors
        assert "alice" not in errors.errors[0]["message"]  # nothing of the other tenant's service
        # bob moves his own service onto the port: refused too
        other = await bob.create_site("bob's page", free_port())
        moved = await bob.errors(
            "mutation($id: ID!, $i: UpdateServiceInput!) { updateService(id: $id, input: $i) { id } }",
            id=other["id"],
            i={"variables": {"port": port}},
        )
        assert moved.codes == ["CONFLICT"] and str(port) in moved.errors[0]["message"]
        assert "alice's page" in page(port)
    finally:
        await destroy(alice, site["id"])
    # destroyed: the port is free again, and bob takes it
    taken = await bob.create_site("bob's page", port, name="b2")
    assert (await apply(bob, taken["id"]))["state"] == "SUCCEEDED"
    try:
        assert "bob's page" in page(port)
        # alice's destroyed service cannot take it back
        back = await alice.errors("mutation($id: ID!) { applyService(id: $id) { id } }", id=site["id"])
        assert back.codes == ["CONFLICT"] and str(port) in back.errors[0]["message"]
    finally:
        await destroy(bob, taken["id"])


async def test_a_port_held_outside_spawnit_fails_the_apply(start: Start, issuer: Issuer) -> None:
    _, alice, _ = await tenants(start, issuer)
    port = free_port()
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", port))
    squatter.listen()
    try:
        site = await alice.create_site("alice's page", port)
        job = await apply(alice, site["id"])
        assert job["state"] == "FAILED", job
        text = "\n".join(line["text"] for line in await alice.logs(job["id"]))
        assert f"Port {port} is already taken" in text and f"pid {os.getpid()}" in text, text
        service = (await alice.run(SERVICE, id=site["id"]))["service"]
        assert service["health"]["status"] != "HEALTHY", service
    finally:
        squatter.close()


async def test_health_is_the_services_own_process_answering(start: Start, issuer: Issuer) -> None:
    _, alice, _ = await tenants(start, issuer)
    port = free_port()
    site = await alice.create_site("alice's page", port)
    assert (await apply(alice, site["id"]))["state"] == "SUCCEEDED"
    service = (await alice.run(SERVICE, id=site["id"]))["service"]
    assert service["health"]["status"] == "HEALTHY", service
    # the service dies and another program takes its port, answering HTTP 200
    os.kill(int(service["outputs"]["pid"]), signal.SIGKILL)
    impostor = http.server.HTTPServer(
        ("127.0.0.1", port), http.server.SimpleHTTPRequestHandler, bind_and_activate=False
    )
    impostor.allow_reuse_address = True
    while True:  # the dead service's socket may linger a moment: bind as soon as the kernel lets go
        try:
            impostor.server_bind()
            break
        except OSError:
            threading.Event().wait(0.05)
    impostor.server_activate()
    serving = threading.Thread(target=impostor.serve_forever, daemon=True)
    serving.start()
    try:
        assert page(port)  # it answers
        check = await alice.wait_job((await alice.mutate_job("checkDrift", site["id"]))["id"])
        assert check["state"] in ("SUCCEEDED", "FAILED"), check
        health = (await alice.run(SERVICE, id=site["id"]))["service"]["health"]
        assert health["status"] == "UNHEALTHY", health
        assert f"port {port} is held by another process" in health["detail"], health
    finally:
        impostor.shutdown()
        impostor.server_close()
        await destroy(alice, site["id"])
