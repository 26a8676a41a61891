"""A fuzz run of the public schema: queries and mutations generated from the SDL by
hypothesis-graphql, sent to a real `spawnit serve` process. No 500, no INTERNAL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from tests.conftest import free_port
from tests.server import stop_leftovers

SDL = (Path(__file__).resolve().parents[2] / "schema" / "schema.graphql").read_text()

json_values = st.recursive(
    st.one_of(
        st.builds(lambda s: graphql.StringValueNode(value=s), st.text(max_size=30)),
        st.builds(lambda n: graphql.IntValueNode(value=str(n)), st.integers(-(2**31), 2**31 - 1)),
        st.builds(lambda b: graphql.BooleanValueNode(value=b), st.booleans()),
        st.just(graphql.NullValueNode()),
    ),
    lambda children: st.builds(
        lambda pairs: graphql.ObjectValueNode(
            fields=tuple(graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v) for k, v in pairs.items())
        ),
        st.dictionaries(st.sampled_from(["title", "port", "message", "colour", "password"]), children, max_size=4),
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = {**os.environ, "SPAWNIT_DATA_DIR": str(data), "SPAWNIT_ENGINE": "embedded"}
    log = open(data / "serve.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--log-level", "warning"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail((data / "serve.log").read_text())
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(30)
    log.close()
    stop_leftovers(data / "run")
    assert "Traceback" not in (data / "serve.log").read_text()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=from_schema(SDL, custom_scalars={"JSON": json_values}))
def test_no_operation_breaks_the_server(server: str, query: str) -> None:
    response = httpx.post(f"{server}/graphql", json={"query": query}, timeout=30)
    assert response.status_code < 500, (query, response.text)
    body = response.json()
    codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or ()]
    assert "INTERNAL" not in codes, (query, body)
    assert all(codes), (query, body)  # every error says what kind it is
