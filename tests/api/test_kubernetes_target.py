"""The kubernetes target on a real server: every entry that runs on docker runs there
with the same variables, offered once a kubeconfig is configured (and kubectl, which
makes a tenant's namespace, is installed), with the reason until then."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.catalog.render import render
from app.storage import keys
from tests.server import Start

AVAILABILITY = "{ catalog { id targets targetAvailability { target available reason } } }"


def kubernetes_of(catalog: list[dict]) -> dict[str, dict]:
    return {
        e["id"]: next(t for t in e["targetAvailability"] if t["target"] == "kubernetes")
        for e in catalog
        if "kubernetes" in e["targets"]
    }


async def test_kubernetes_needs_a_kubeconfig(start: Start) -> None:
    catalog = (await (await start(kubeconfig=None)).api.run(AVAILABILITY))["catalog"]
    with_docker = {e["id"] for e in catalog if "docker" in e["targets"]}
    offered = kubernetes_of(catalog)
    assert with_docker and set(offered) == with_docker, "every docker entry runs on kubernetes"
    for entry_id, availability in offered.items():
        assert availability["available"] is False, entry_id
        assert "SPAWNIT_KUBECONFIG" in availability["reason"], availability


async def test_a_docker_entry_is_created_on_kubernetes_with_its_docker_variables(
    start: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "kubectl").write_text("#!/bin/sh\nexit 0\n")
    (tools / "kubectl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    running = await start(kubeconfig=kubeconfig)
    offered = kubernetes_of((await running.api.run(AVAILABILITY))["catalog"])
    assert offered["redis"] == {"target": "kubernetes", "available": True, "reason": None}

    data = await running.api.run(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id target tenantId } }",
        i={"catalogEntryId": "redis", "target": "kubernetes", "name": "cache", "variables": {"port": 6391}},
    )
    made = data["createService"]
    assert made["target"] == "kubernetes"
    app = running.spawnit
    raw = await app.store.get(keys.tfvars(made["tenantId"], made["id"]))
    info = (await app.services.get(made["tenantId"], made["id"])).info
    as_on_docker = render(
        app.catalog.get("redis"), "docker", info.variables, {"service_id": info.id, "service_name": info.name}
    )
    assert json.loads(raw) == as_on_docker and as_on_docker["image"]
