"""Every catalog entry on docker, aws and kubernetes, checked by the engine's own loading:
its variables as SpawnIt renders them (plus the `TF_VAR_*` SpawnIt's job environment
gives) are accepted by the module, the work directory SpawnIt lays out loads with the
module's outputs; and how each module is wired: the tenant's Docker network and
publish address, the tenant's namespace, the security group's openings.

kubernetes runs the catalog's docker images unchanged: an entry that does not describe
kubernetes of its own is rendered from its docker variables."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from app.catalog.loader import load_catalog
from app.catalog.model import Entry
from app.catalog.render import render, secret_values
from app.engine.backend import backend_for
from app.engine.workdir import lay_out
from app.services.targets import TargetEnvironment
from app.settings import S3Settings, Settings
from app.storage.folder import FolderStore
from tests.catalog.test_templates_vs_modules import sample_values
from tests.modules.contract import OUTPUTS, ROOT, module_dir
from tests.modules.tfconfig import load, plan_values, variables_only_dir
from tests.modules.wiring import attribute, block, reaches, references

TENANT = "6a0e5b8e-2f1c-4d3b-9a7e-1c2d3e4f5a6b"
SERVICE = "9d8c7b6a-5f4e-4d3c-8b2a-19f0e1d2c3b4"
CONTAINER_TARGETS = ("docker", "aws", "kubernetes")


def entries() -> list[Entry]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return list(asyncio.run(load_catalog(FolderStore(Path(tmp)), ROOT / "catalog")))


def cases() -> list[tuple[str, str, str]]:
    """(entry, target, the entry's target whose variables it runs with) for every entry
    with a container image, on each container target."""
    found = []
    for entry in entries():
        for target in CONTAINER_TARGETS:
            source = target if target in entry.targets else ("docker" if target == "kubernetes" else None)
            if source in entry.targets:
                found.append((entry.id, target, source))
    return found


CASES = cases()


def job_variables(target: str, settings: Settings) -> dict[str, str]:
    """The module variables SpawnIt's job environment sets (`TF_VAR_<name>`)."""
    remote = {"DOCKER_HOST": "ssh://deploy@docker.example"}  # a remote daemon: its name in the endpoints
    env = asyncio.run(TargetEnvironment(settings, None, env=remote).for_job(target, TENANT)).env
    return {k.removeprefix("TF_VAR_"): v for k, v in env.items() if k.startswith("TF_VAR_")}


def rendered(entry_id: str, source: str) -> tuple[Entry, dict[str, Any], dict[str, str]]:
    entry = next(e for e in entries_by_id().values() if e.id == entry_id)
    values = sample_values(entry)
    tfvars = render(entry, source, values, {"service_id": SERVICE, "service_name": "My Service"})
    return entry, tfvars, secret_values(entry, values)


_ENTRIES: dict[str, Entry] = {}


def entries_by_id() -> dict[str, Entry]:
    if not _ENTRIES:
        _ENTRIES.update({e.id: e for e in entries()})
    return _ENTRIES


def test_every_entry_with_an_image_is_covered_on_every_container_target():
    with_image = [e.id for e in entries_by_id().values() if "docker" in e.targets or "aws" in e.targets]
    assert with_image, "no catalog entry runs a container"
    for entry_id in with_image:
        assert (entry_id, "kubernetes") in {(e, t) for e, t, _ in CASES}, entry_id


@pytest.mark.parametrize("entry_id, target, source", CASES, ids=[f"{e}-{t}" for e, t, _ in CASES])
def test_entry_runs_on_the_module(entry_id: str, target: str, source: str, tmp_path: Path):
    entry, tfvars, secrets = rendered(entry_id, source)
    settings = Settings(
        data_dir=tmp_path / "data", store="s3", s3=S3Settings(bucket="b", endpoint="http://127.0.0.1:9")
    )
    given = job_variables(target, settings)
    expected = {"tenant_id": TENANT, "publish_address": "0.0.0.0"}
    assert given == (expected | {"host": "docker.example"} if target == "docker" else expected)
    if target == "kubernetes":  # a sidecar is reached through a Service of its ports there
        assert all(s.get("ports") for s in tfvars.get("sidecars", [])), f"{entry_id}: a sidecar without ports"
    module = load(module_dir(target))
    diags = plan_values(variables_only_dir(module, tmp_path / "vars"), {**tfvars, **given, "secrets": secrets})
    assert diags == [], f"{entry_id} on {target}: {json.dumps(diags, indent=1)[:2000]}"
    workdir = tmp_path / "work"
    lay_out(workdir, module_dir(target), backend_for(settings, TENANT, SERVICE), tfvars)
    laid = load(workdir)
    assert laid.problems() == [] and laid.unknown_references() == []
    assert laid.backend == "s3"
    for name in OUTPUTS:
        assert name in laid.outputs, f"{entry_id} on {target}: no output {name}"


# --------------------------------------------------------------------------- docker


def test_docker_puts_every_container_of_the_tenant_on_its_network():
    module = load(module_dir("docker"))
    network = module.managed["terraform_data.tenant_network"]["Config"]
    assert reaches(module, attribute(network, "input"), "var.tenant_id")
    assert module.locals["tenant_network"]  # "spawnit-${var.tenant_id}"
    service = module.managed["docker_container.service"]["Config"]
    attached = block(service, "networks_advanced")
    assert references(attribute(attached, "name")) == {"terraform_data.tenant_network"}
    # not on Docker's default bridge as well, where every tenant's containers meet
    assert references(attribute(service, "network_mode")) == {"terraform_data.tenant_network"}
    assert reaches(module, attribute(attached, "aliases"), "var.service_name")
    assert reaches(module, attribute(attached, "aliases"), "var.service_id")


def test_docker_publishes_on_the_publish_address_and_keeps_volumes():
    module = load(module_dir("docker"))
    service = module.managed["docker_container.service"]["Config"]
    ports = block(service, "ports")
    assert references(attribute(ports, "ip")) == {"var.publish_address"}
    udp = block(service, "ports", nth=1)  # the UDP ones (game servers), on the same address
    assert references(attribute(udp, "ip")) == {"var.publish_address"}
    assert udp["Attributes"]["protocol"]["Expr"] != ports["Attributes"]["protocol"]["Expr"]
    assert reaches(module, service["Blocks"][3]["Body"]["Attributes"]["for_each"]["Expr"], "var.udp_ports")
    assert references(attribute(service, "privileged")) == {"var.privileged"}
    assert "docker_volume.kept" in module.managed
    for name in ("data_path", "volumes", "sidecars"):
        assert reaches(module, attribute(module.managed["docker_volume.kept"]["Config"], "name"), f"var.{name}") or (
            reaches(module, module.managed["docker_volume.kept"]["ForEach"], f"var.{name}")
        ), name
    endpoint = module.outputs["endpoint"]["Expr"]
    assert reaches(module, endpoint, "var.publish_address") and reaches(module, endpoint, "var.host")


def test_docker_sidecars_sit_on_the_services_own_network_and_publish_nothing():
    module = load(module_dir("docker"))
    sidecar = module.managed["docker_container.sidecar"]
    assert reaches(module, sidecar["ForEach"], "var.sidecars")
    attached = block(sidecar["Config"], "networks_advanced")
    assert references(attribute(attached, "name")) == {"docker_network.service"}
    assert references(attribute(sidecar["Config"], "network_mode")) == {"docker_network.service"}
    assert not any(
        b.get("Type") == "ports" or (b.get("Labels") or [None])[0] == "ports" for b in sidecar["Config"]["Blocks"]
    )
    service = module.managed["docker_container.service"]["Config"]
    assert "docker_network.service" in references(service)  # the service's own container joins it too


# --------------------------------------------------------------------------- kubernetes


def test_kubernetes_puts_everything_in_the_tenants_namespace():
    module = load(module_dir("kubernetes"))
    namespace = module.managed["terraform_data.namespace"]["Config"]
    assert reaches(module, attribute(namespace, "input"), "var.tenant_id")
    for address, resource in module.managed.items():
        if address.startswith("kubernetes_"):
            metadata = block(resource["Config"], "metadata")
            assert references(attribute(metadata, "namespace")) == {"terraform_data.namespace"}, address
    assert reaches(module, module.managed["kubernetes_secret_v1.env"]["Config"], "var.env")
    assert reaches(module, module.managed["kubernetes_secret_v1.files"]["Config"], "var.files")
    container = block(
        module.managed["kubernetes_deployment_v1.service"]["Config"], "spec", "template", "spec", "container"
    )
    assert references(attribute(container, "image")) == {"var.image"}
    service = module.managed["kubernetes_service_v1.service"]["Config"]
    assert reaches(module, block(service, "spec")["Blocks"][0]["Body"]["Attributes"]["for_each"]["Expr"], "var.ports")


# --------------------------------------------------------------------------- aws


def test_aws_opens_the_service_ports_to_allowed_cidrs_and_ssh_only_with_a_key():
    module = load(module_dir("aws"))
    ingress = module.managed["aws_vpc_security_group_ingress_rule.service"]
    assert reaches(module, ingress["ForEach"], "var.ports") and reaches(module, ingress["ForEach"], "var.allowed_cidrs")
    udp = module.managed["aws_vpc_security_group_ingress_rule.udp"]
    assert reaches(module, udp["ForEach"], "var.udp_ports") and reaches(module, udp["ForEach"], "var.allowed_cidrs")
    ssh = module.managed["aws_vpc_security_group_ingress_rule.ssh"]
    assert reaches(module, ssh["ForEach"], "var.ssh_cidrs") and reaches(module, ssh["ForEach"], "var.key_name")
    instance = module.managed["aws_instance.service"]["Config"]
    assert references(attribute(instance, "key_name")) == {"var.key_name"}
    assert reaches(module, attribute(instance, "user_data_base64"), "var.sidecars")
