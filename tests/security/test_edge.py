"""The HTTP and websocket edge against a browser's attacks and oversized input: a Host
that names another site (DNS rebinding), a page of another origin opening a websocket,
CORS for listed origins, a 10 MB websocket frame, JSON nested 100,000 deep."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.server import Running, Start

ME = {"query": "{ me { tenantId } }"}
CREATE = {
    "query": "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
    "variables": {
        "i": {"catalogEntryId": "static-site", "target": "local", "name": "rebound", "variables": {"port": 28123}}
    },
}


def port_of(spawnit: Running) -> int:
    return int(spawnit.url.rsplit(":", 1)[1])


async def post(spawnit: Running, body: dict[str, Any] | bytes, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=60) as client:
        if isinstance(body, bytes):
            headers = {"content-type": "application/json", **headers}
            return await client.post(f"{spawnit.url}/graphql", content=body, headers=headers)
        return await client.post(f"{spawnit.url}/graphql", json=body, headers=headers)


async def open_ws(spawnit: Running, host: str | None = None, origin: str | None = None) -> Any:
    """A graphql-transport-ws socket to `spawnit`, naming `host` (the TCP connection goes
    to loopback whatever the name says, as after DNS rebinding)."""
    url = f"ws://{host}/graphql" if host else spawnit.api.ws_url
    return websockets.connect(
        url,
        host="127.0.0.1",
        port=port_of(spawnit),
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        origin=origin,  # type: ignore[arg-type]
        max_size=None,
    )


async def acked(ws: Any) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"


async def service_count(spawnit: Running) -> int:
    data = await spawnit.api.run("{ services { edges { node { id } } } }")
    return len(data["services"]["edges"])


# -- Host (DNS rebinding) -----------------------------------------------------------


async def test_a_foreign_host_is_refused_over_http(spawnit: Running) -> None:
    for path, body in (("/graphql", CREATE), ("/healthz", None)):
        async with httpx.AsyncClient(timeout=60) as client:
            if body is None:
                response = await client.get(f"{spawnit.url}{path}", headers={"Host": "evil.example:8000"})
            else:
                response = await client.post(f"{spawnit.url}{path}", json=body, headers={"Host": "evil.example:8000"})
        assert response.status_code == 421, (path, response.text)
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert "evil.example:8000" in error["message"] and "SPAWNIT_ALLOWED_HOSTS" in error["message"]
    assert await service_count(spawnit) == 0, "the rebound request created a service"


async def test_a_foreign_host_is_refused_on_the_websocket(spawnit: Running) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with await open_ws(spawnit, host="evil.example:8000"):
            pass
    assert refused.value.response.status_code == 403


async def test_loopback_names_on_the_served_port_are_allowed(spawnit: Running) -> None:
    port = port_of(spawnit)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        response = await post(spawnit, ME, Host=host)
        assert response.status_code == 200, (host, response.text)
        assert response.json()["data"]["me"]["tenantId"]
    for host in ("localhost", f"localhost:{port + 1}", "127.0.0.2:{port}", f"127.0.0.1:{port}x"):
        assert (await post(spawnit, ME, Host=host)).status_code == 421, host
    async with await open_ws(spawnit, host=f"localhost:{port}") as ws:
        await acked(ws)


async def test_allowed_hosts_setting_adds_names(start: Start) -> None:
    spawnit = await start(allowed_hosts=("spawnit.internal", "api.example:9443"))
    assert (await post(spawnit, ME, Host="spawnit.internal:8000")).status_code == 200
    assert (await post(spawnit, ME, Host="api.example:9443")).status_code == 200
    assert (await post(spawnit, ME, Host="api.example:9444")).status_code == 421
    assert (await post(spawnit, ME, Host="evil.example")).status_code == 421
    async with await open_ws(spawnit, host="spawnit.internal:8000") as ws:
        await acked(ws)


# -- Origin and CORS ----------------------------------------------------------------


async def test_a_websocket_from_a_foreign_origin_is_refused(spawnit: Running) -> None:
    for origin in ("http://evil.example", "http://evil.example:8000", "null"):
        with pytest.raises(InvalidStatus) as refused:
            async with await open_ws(spawnit, origin=origin):
                pass
        assert refused.value.response.status_code == 403, origin
    async with await open_ws(spawnit, origin=spawnit.url) as ws:  # the page SpawnIt serves
        await acked(ws)


async def test_listed_origins_get_cors_and_websockets(start: Start) -> None:
    spawnit = await start(cors_origins=("http://app.example:5173",))
    preflight = {
        "Origin": "http://app.example:5173",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,authorization",
    }
    async with httpx.AsyncClient(timeout=60) as client:
        allowed = await client.options(f"{spawnit.url}/graphql", headers=preflight)
        refused = await client.options(f"{spawnit.url}/graphql", headers={**preflight, "Origin": "http://evil.example"})
        actual = await client.post(f"{spawnit.url}/graphql", json=ME, headers={"Origin": "http://app.example:5173"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://app.example:5173"
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in refused.headers
    assert actual.headers["access-control-allow-origin"] == "http://app.example:5173"
    async with await open_ws(spawnit, origin="http://app.example:5173") as ws:
        await acked(ws)
    with pytest.raises(InvalidStatus):
        async with await open_ws(spawnit, origin="http://evil.example"):
            pass


# -- sizes and depth ----------------------------------------------------------------


async def test_a_10_mb_websocket_message_closes_the_socket_unread(spawnit: Running) -> None:
    padding = "x" * (10 * 1024 * 1024)
    frame = json.dumps(
        {"type": "subscribe", "id": "1", "payload": {"query": "{ me { tenantId } }", "variables": {"p": padding}}}
    )
    async with await open_ws(spawnit) as ws:
        await acked(ws)
        await ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()  # no answer to the operation: the socket closes
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert str(spawnit.settings.ws_message_limit) in closed.value.rcvd.reason
    assert (await post(spawnit, ME)).status_code == 200


async def test_the_websocket_limit_is_a_setting(start: Start) -> None:
    spawnit = await start(max_ws_message_bytes=2000)
    async with await open_ws(spawnit) as ws:
        await acked(ws)
        await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": {"query": "{ me { tenantId } }"}}))
        assert json.loads(await ws.recv())["type"] == "next"
        await ws.send(
            json.dumps({"type": "subscribe", "id": "2", "payload": {"query": "{ me { tenantId } }" + " " * 2000}})
        )
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


@pytest.mark.parametrize("depth", [100_000, 100])
async def test_json_nested_deep_is_a_clear_400(spawnit: Running, depth: int) -> None:
    body = b'{"query": "{ me { tenantId } }", "variables": {"x": ' + b"[" * depth + b"]" * depth + b"}}"
    response = await post(spawnit, body)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "nested deeper than" in error["message"]
    assert (await post(spawnit, ME)).status_code == 200


async def test_json_nested_deep_on_a_websocket_closes_it(spawnit: Running) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    async with await open_ws(spawnit) as ws:
        await acked(ws)
        await ws.send(
            '{"type": "subscribe", "id": "1", "payload": {"query": "{ me { tenantId } }", "variables": {"x": '
            + deep
            + "}}}"
        )
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007


# -- auth on ------------------------------------------------------------------------


async def test_with_auth_on_hosts_are_checked_when_listed(start: Start, issuer) -> None:  # type: ignore[no-untyped-def]
    from tests.issuer import AUDIENCE, bearer

    token = bearer(issuer.token("alice"))
    unlisted = await start(oidc_issuer=issuer.url, oidc_audience=AUDIENCE)
    behind_proxy = await post(unlisted, ME, Host="spawnit.example.com", **token)
    assert behind_proxy.status_code == 200 and behind_proxy.json()["data"]["me"]["tenantId"]

    listed = await start(oidc_issuer=issuer.url, oidc_audience=AUDIENCE, allowed_hosts=("spawnit.example.com",))
    assert (await post(listed, ME, Host="spawnit.example.com", **token)).json()["data"]["me"]["tenantId"]
    refused = await post(listed, ME, Host="evil.example", **token)
    assert refused.status_code == 421 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    loopback = await post(listed, ME, Host=f"127.0.0.1:{port_of(listed)}", **token)
    assert loopback.status_code == 200  # loopback names stay SpawnIt's: a local health check works
