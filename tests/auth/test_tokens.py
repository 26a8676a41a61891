"""OIDC tokens against a real issuer of the tests' own, over HTTP and websockets."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx
import pytest
import websockets

from tests.issuer import AUDIENCE, Issuer, Key
from tests.server import Running, Start

ME = "{ me { tenantId subject } }"


@pytest.fixture
async def secured(start: Start, issuer: Issuer) -> Running:
    return await start(
        oidc_issuer=issuer.url,
        oidc_audience=AUDIENCE,
        jwks_refresh_floor_seconds=0,
        token_leeway_seconds=5,
        local_target="tenants",
    )


async def http_me(spawnit: Running, token: str | None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{spawnit.url}/graphql", json={"query": ME}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def ws_init(spawnit: Running, token: str, protocol: str) -> tuple[str, object]:
    """Open a socket, send connection_init with the token: ('ack', None), ('error', payload)
    or ('closed', close code)."""
    url = spawnit.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[protocol]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        except websockets.ConnectionClosed as closed:
            return "closed", closed.rcvd.code if closed.rcvd else None
        if message["type"] == "connection_ack":
            return "ack", None
        return "error", message.get("payload")


BAD: dict[str, Callable[[Issuer], str]] = {
    "expired": lambda i: i.token(exp=int(time.time()) - 120, iat=int(time.time()) - 600),
    "not yet valid": lambda i: i.token(nbf=int(time.time()) + 120),
    "wrong issuer": lambda i: i.token(iss="https://elsewhere.test/realms/spawnit"),
    "wrong audience": lambda i: i.token(aud="another-api"),
    "no expiry": lambda i: i.token(exp=None),
    "bad signature": lambda i: i.token(key=_impostor(i)),
    "alg none": lambda i: i.unsigned(),
    "HS256 with the public key": lambda i: i.hs256_with_public_key(),
    "not a jwt": lambda i: "garbage",
    "unknown kid": lambda i: i.token(key=Key()),
}


def _impostor(issuer: Issuer) -> Key:
    key = Key()
    key.kid = issuer.key.kid  # claims to be the issuer's key, signed with another
    return key


async def test_a_valid_token_is_accepted_over_http_and_both_socket_protocols(secured: Running, issuer: Issuer) -> None:
    token = issuer.token("alice")
    data = await http_me(secured, token)
    assert "errors" not in data and data["data"]["me"]["subject"] == "alice"
    for protocol in ("graphql-transport-ws", "graphql-ws"):
        assert await ws_init(secured, token, protocol) == ("ack", None)


@pytest.mark.parametrize("case", list(BAD))
async def test_bad_tokens_are_unauthenticated_over_http_and_websockets(
    secured: Running, issuer: Issuer, case: str
) -> None:
    token = BAD[case](issuer)
    data = await http_me(secured, token)
    assert data["data"] is None
    assert [e["extensions"]["code"] for e in data["errors"]] == ["UNAUTHENTICATED"], data
    assert await ws_init(secured, token, "graphql-transport-ws") == ("closed", 4403)
    kind, payload = await ws_init(secured, token, "graphql-ws")
    assert kind == "error" and payload["extensions"]["code"] == "UNAUTHENTICATED", payload


async def test_no_token_is_unauthenticated(secured: Running) -> None:
    data = await http_me(secured, None)
    assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_rotation_new_key_accepted_after_refresh_removed_key_refused(secured: Running, issuer: Issuer) -> None:
    old = issuer.key
    assert "errors" not in await http_me(secured, issuer.token("alice"))
    fetches = issuer.jwks_fetches
    new = issuer.rotate(keep_old=False)  # the issuer publishes a new key and drops the old one
    assert "errors" not in await http_me(secured, issuer.token("alice", key=new))
    assert issuer.jwks_fetches == fetches + 1, "an unknown kid must make SpawnIt fetch the keys again"
    refused = await http_me(secured, issuer.token("alice", key=old))
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unknown_kids_do_not_hammer_the_issuer(start: Start, issuer: Issuer) -> None:
    spawnit = await start(
        oidc_issuer=issuer.url, oidc_audience=AUDIENCE, jwks_refresh_floor_seconds=60, local_target="tenants"
    )
    assert "errors" not in await http_me(spawnit, issuer.token())
    fetches = issuer.jwks_fetches
    for _ in range(5):
        data = await http_me(spawnit, issuer.token(key=Key()))
        assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert issuer.jwks_fetches == fetches, "unknown kids within the refresh floor fetched the JWKS again"


async def test_a_socket_is_closed_when_its_token_expires(secured: Running, issuer: Issuer) -> None:
    token = issuer.token("alice", exp=int(time.time()) + 2)
    url = secured.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": "subscription { serviceEvents { kind } }"}}
            )
        )
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd.code == 4403


async def test_tenants_come_from_the_claim_and_the_admin_sees_all_read_only(secured: Running, issuer: Issuer) -> None:
    alice = secured.api.as_(issuer.token("alice"))
    bob = secured.api.as_(issuer.token("bob"))
    admin = secured.api.as_(issuer.token("root", realm_access={"roles": ["spawnit-admin"]}))
    a = (await alice.run("{ me { tenantId } }"))["me"]["tenantId"]
    b = (await bob.run("{ me { tenantId } }"))["me"]["tenantId"]
    assert a != b
    await alice.create_site("alice's", 20010)
    assert (await bob.run("{ services { edges { node { id } } } }"))["services"]["edges"] == []
    forbidden = await bob.errors("{ allServices { edges { node { id } } } }")
    assert forbidden.codes == ["FORBIDDEN"]
    seen = (await admin.run("{ allServices { edges { node { tenantId name } } } }"))["allServices"]["edges"]
    assert [e["node"] for e in seen] == [{"tenantId": a, "name": "site"}]
