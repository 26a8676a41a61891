"""What a console served from another origin meets at SpawnIt's edge with auth on: the
public `/console/config.json` (no token needed) naming the issuer and the client, CORS
preflights answered for a listed origin and not for another, and websockets from the
listed origin accepted with a token while another origin's are refused (403)."""

from __future__ import annotations

import json

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.issuer import AUDIENCE, Issuer
from tests.server import Running, Start

CONSOLE = "http://console.example:5173"
EVIL = "http://evil.example:5173"


@pytest.fixture
async def secured(start: Start, issuer: Issuer) -> Running:
    return await start(
        oidc_issuer=issuer.url, oidc_audience=AUDIENCE, oidc_client_id="my-console", cors_origins=(CONSOLE,)
    )


async def test_the_config_says_auth_is_off_and_nothing_else(spawnit: Running) -> None:
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.get(f"{spawnit.url}/console/config.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {
        "graphql": "/graphql",
        "auth": {"enabled": False, "issuer": None, "clientId": None, "audience": None},
    }


async def test_a_console_of_another_origin_finds_the_issuer_and_calls_the_api(secured: Running, issuer: Issuer) -> None:
    token = issuer.token("alice")
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with httpx.AsyncClient(timeout=60) as client:
        config = await client.get(f"{secured.url}/console/config.json", headers={"Origin": CONSOLE})
        allowed = await client.options(f"{secured.url}/graphql", headers={**preflight, "Origin": CONSOLE})
        refused = await client.options(f"{secured.url}/graphql", headers={**preflight, "Origin": EVIL})
        call = await client.post(
            f"{secured.url}/graphql",
            json={"query": "{ me { subject } }"},
            headers={"Origin": CONSOLE, "Authorization": f"Bearer {token}"},
        )
    assert config.status_code == 200, config.text  # no token: the page must learn where to sign in first
    assert config.json()["auth"] == {
        "enabled": True,
        "issuer": issuer.url,
        "clientId": "my-console",
        "audience": AUDIENCE,
        "scope": "openid",
    }
    assert config.headers["access-control-allow-origin"] == CONSOLE
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == CONSOLE
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    assert call.json()["data"] == {"me": {"subject": "alice"}}
    assert call.headers["access-control-allow-origin"] == CONSOLE

    url = secured.api.ws_url
    init = json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], origin=CONSOLE) as ws:  # type: ignore[list-item,arg-type]
        await ws.send(init)
        assert json.loads(await ws.recv())["type"] == "connection_ack"
    with pytest.raises(InvalidStatus) as denied:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"], origin=EVIL):  # type: ignore[list-item,arg-type]
            pass
    assert denied.value.response.status_code == 403
