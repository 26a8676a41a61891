"""Every catalog template fits the module of every target it claims: rendered as SpawnIt
renders it, each variable is one the module declares, of a type the engine accepts, and
no variable the module requires is left out; the engine itself plans the module's
variable declarations with the rendered values (types, validation rules, required
variables, undeclared ones)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from app.catalog.loader import load_catalog
from app.catalog.model import Entry, EveryTarget, FieldType
from app.catalog.render import TEMPLATED, render, secret_values
from app.catalog.validate import validate_update
from app.storage.folder import FolderStore
from tests.modules.contract import ROOT, module_dir
from tests.modules.tfconfig import load, plan_values, variables_only_dir

HOST = EveryTarget()

CATALOG = ROOT / "catalog"
BUILTINS = {"service_id": "0b7c6d4e-0000-4000-8000-00000000000a", "service_name": "svc"}


def catalog_entries(tmp: Path) -> list[Entry]:
    return list(asyncio.run(load_catalog(FolderStore(tmp), CATALOG)))


@pytest.fixture(scope="module")
def entries(tmp_path_factory) -> list[Entry]:
    return catalog_entries(tmp_path_factory.mktemp("store"))


def sample_values(entry: Entry) -> dict[str, Any]:
    given = {}
    for f in entry.fields:
        if f.required:
            given[f.name] = {
                FieldType.BOOLEAN: True,
                FieldType.ENUM: f.options[0] if f.options else "x",
                FieldType.INTEGER: int(f.min or 1),
                FieldType.NUMBER: f.min or 1,
                FieldType.LIST_OF_STRINGS: ["x"],
            }.get(f.type, "x")
    return validate_update(entry, {}, given)  # defaults, and generated secrets


def pairs() -> list[tuple[str, str]]:
    found = []
    for path in sorted((CATALOG / "templates").glob("*.template.tfvars.json")):
        for target in json.loads(path.read_text())["targets"]:
            found.append((path.name.removesuffix(".template.tfvars.json"), target))
    return found


def _accepts(tf_type: Any, value: Any) -> bool:
    """A JSON value the engine converts to `tf_type` (strings take numbers and booleans)."""
    if tf_type == "string":
        return isinstance(value, (str, int, float, bool))
    if tf_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tf_type == "bool":
        return isinstance(value, bool)
    kind, inner = tf_type[0], tf_type[1]
    if kind == "object":  # optional attributes may be left out; none may be unknown
        return isinstance(value, dict) and all(k in inner and _accepts(inner[k], v) for k, v in value.items())
    if kind == "list":
        return isinstance(value, list) and all(_accepts(inner, v) for v in value)
    if kind == "map":
        return isinstance(value, dict) and all(_accepts(inner, v) for v in value.values())
    return False


def test_every_entry_targets_a_shipped_module(entries):
    for entry in entries:
        for target in entry.targets:
            assert module_dir(target).is_dir(), f"{entry.id}: no module for target {target}"


def test_there_is_a_catalog_worth_using(entries):
    ids = {e.id for e in entries}
    assert {"static-site", "redis", "postgresql", "mariadb", "mongodb", "minecraft", "gitea", "jenkins"} <= ids
    for entry in entries:
        for f in entry.fields:
            if f.type in (FieldType.INTEGER, FieldType.NUMBER):
                assert f.min is not None and f.max is not None, f"{entry.id}.{f.name}: numbers need bounds"
            if f.type is FieldType.STRING:
                assert f.max is not None, f"{entry.id}.{f.name}: strings need a maximum length"
            if "password" in f.name:
                assert f.sensitive and f.generate, f"{entry.id}.{f.name}: a password is sensitive and generated"


@pytest.mark.parametrize("entry_id, target", pairs())
def test_template_renders_to_the_module_variables(entries, entry_id: str, target: str, tmp_path: Path):
    entry = next(e for e in entries if e.id == entry_id)
    values = sample_values(entry)
    rendered = render(entry, target, values, BUILTINS)
    module = load(module_dir(target))
    unknown = sorted(set(rendered) - set(module.variables))
    assert unknown == [], f"{entry_id}/{target}: not variables of the module: {unknown}"
    for name, value in rendered.items():
        assert _accepts(module.variable_type(name), value), f"{entry_id}/{target}: {name}={value!r}"
    for name in TEMPLATED:  # sensitive values only as ${name} templates, never in clear
        for secret in filter(None, secret_values(entry, values).values()):  # an empty one shows nothing
            assert secret not in json.dumps(rendered.get(name, "")), f"{entry_id}/{target}: a secret in {name}"
    # the engine's verdict: required variables given, types converted, validation rules pass
    tfvars = {**rendered, "secrets": secret_values(entry, values)}
    diags = plan_values(variables_only_dir(module, tmp_path), tfvars)
    assert diags == [], f"{entry_id}/{target}: {json.dumps(diags, indent=1)[:2000]}"


def test_launchers_embedded_in_templates_are_current():
    import importlib.util

    spec = importlib.util.spec_from_file_location("embed", CATALOG / "launchers" / "embed.py")
    embed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(embed)
    for template in embed.SHIPPED:
        target, name, text = embed.embedded(template)
        doc = json.loads((CATALOG / "templates" / f"{template}.template.tfvars.json").read_text())
        shipped = doc["targets"][target]["variables"]["files"][name]
        assert shipped == text, f"{template}: run python3 catalog/launchers/embed.py"
        compile(text, name, "exec")


@pytest.mark.parametrize("entry_id", ["mongodb", "minecraft", "gitea", "jenkins"])
def test_entries_that_cannot_run_here_do_not_claim_local(entries, entry_id: str):
    entry = next(e for e in entries if e.id == entry_id)
    assert "local" not in entry.targets or entry.unavailable_reason("local", HOST)
