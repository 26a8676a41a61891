"""The edge of a real `spawnit serve` process (its own uvicorn, configured by the CLI):
a foreign Host refused, the listed one and CORS origin honoured from flags, and a 10 MB
websocket frame closed with 1009 by the server's own message limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support import environment_without_settings, free_port, server_process, spawnit_serve

ME = {"query": "{ me { tenantId } }"}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`spawnit serve` with the edge's flags, on a free loopback port: its base URL."""
    port = free_port()
    argv = spawnit_serve(
        port,
        "--data-dir",
        str(tmp_path / "data"),
        "--engine",
        "embedded",
        "--allowed-hosts",
        "spawnit.internal",
        "--cors-origins",
        "http://app.example:5173",
    )
    url = f"http://127.0.0.1:{port}"
    with server_process(argv, url, tmp_path / "serve.log", env=environment_without_settings()):
        yield url


async def test_spawnit_serve_guards_its_edge(served: str) -> None:
    port = int(served.rsplit(":", 1)[1])
    async with httpx.AsyncClient(timeout=60) as client:
        evil = await client.post(f"{served}/graphql", json=ME, headers={"Host": "evil.example:8000"})
        listed = await client.post(f"{served}/graphql", json=ME, headers={"Host": f"spawnit.internal:{port}"})
        preflight = await client.options(
            f"{served}/graphql",
            headers={"Origin": "http://app.example:5173", "Access-Control-Request-Method": "POST"},
        )
    assert evil.status_code == 421 and evil.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert listed.status_code == 200 and listed.json()["data"]["me"]["tenantId"]
    assert preflight.headers.get("access-control-allow-origin") == "http://app.example:5173"

    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(
            "ws://evil.example:8000/graphql",
            host="127.0.0.1",
            port=port,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ):
            pass
    assert refused.value.response.status_code == 403

    frame = json.dumps(
        {"type": "subscribe", "id": "1", "payload": {"query": "{ me { tenantId } }", "x": "x" * 10_000_000}}
    )
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/graphql",
        subprotocols=["graphql-transport-ws"],
        max_size=None,  # type: ignore[list-item]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
