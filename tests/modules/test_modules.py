"""Every target module loads through the engine's own loader without a diagnostic or an
unknown reference, is formatted as `fmt` wants, and honours the shared contract."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.modules.contract import MODULES, OUTPUTS, REQUIRED, SHARED_FILE, TARGETS, VARIABLES, module_dir
from tests.modules.tfconfig import (
    engine,
    files_declaring_other_things,
    load,
    neutralize,
    plan_values,
    variables_only_dir,
)

ALL_MODULES = sorted({p.parent for p in MODULES.rglob("*.tf")})
SERVICE_ID = "0b7c6d4e-1111-4222-8333-444455556666"
TENANT_ID = "6a0e5b8e-2f1c-4d3b-9a7e-1c2d3e4f5a6b"


def test_the_shared_variables_are_the_same_file_in_every_module():
    texts = {t: (module_dir(t) / SHARED_FILE).read_text() for t in TARGETS}
    assert len(set(texts.values())) == 1, "modules/*/instance/variables_shared.tf differ: copy one over the others"


def test_there_is_a_module_per_target():
    assert sorted(module_dir(t) for t in TARGETS) == [d for d in ALL_MODULES if d.name == "instance"]


@pytest.mark.parametrize("folder", ALL_MODULES, ids=lambda p: str(p.relative_to(MODULES)))
def test_module_loads_without_diagnostics(folder: Path):
    module = load(folder)
    assert module.problems() == []
    assert module.unknown_references() == []


def test_fmt_check_passes_on_every_module():
    proc = engine("fmt", "-check", "-recursive", "-diff", "-no-color", str(MODULES), cwd=MODULES)
    assert proc.returncode == 0, f"not formatted as `fmt` wants:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("target", TARGETS)
def test_module_declares_the_contract(target: str):
    module = load(module_dir(target))
    declared = {name: (v["Type"], v["Sensitive"]) for name, v in module.variables.items()}
    assert declared == VARIABLES, f"{target}: variables differ from the contract"
    for name in OUTPUTS:
        assert name in module.outputs, f"{target}: no output {name}"
        assert module.outputs[name]["Description"], f"{target}: output {name} needs a description"
    for name in VARIABLES:
        assert module.variables[name]["Description"], f"{target}: variable {name} needs a description"


@pytest.mark.parametrize("target", TARGETS)
def test_only_the_required_variables_have_no_default(target: str, tmp_path: Path):
    """The engine itself says which variables must be given: plan the variable
    declarations with nothing set and read the 'No value for required variable' errors."""
    module = load(module_dir(target))
    assert files_declaring_other_things(module) == {}
    diags = plan_values(variables_only_dir(module, tmp_path), {})
    missing = sorted(
        re.search(r'variable "([a-z_]+)"', d["detail"]).group(1)
        for d in diags
        if d["summary"] == "No value for required variable"
    )
    assert missing == sorted(REQUIRED), diags


@pytest.mark.parametrize("target", TARGETS)
def test_module_takes_a_full_set_of_values(target: str, tmp_path: Path):
    module = load(module_dir(target))
    values = {
        "service_id": SERVICE_ID,
        "service_name": "svc",
        "ports": [8080, 8443],
        "env": {"A": "${pw}"},
        "files": {"index.html": "<h1>hi</h1>"},
        "command": ["serve", "--port", "8080"],
        "image": "nginx:1.27-alpine",
        "endpoint_scheme": "http",
        "host": "127.0.0.1",
        "secrets": {"pw": "s3cret"},
        "container_ports": [80, 443],
        "files_path": "/usr/share/nginx/html",
        "data_path": "/data",
        "healthcheck": ["CMD", "true"],
        "instance_type": "t3.small",
        "allowed_cidrs": ["10.0.0.0/8"],
        "tenant_id": TENANT_ID,
        "publish_address": "0.0.0.0",
        "volumes": ["/var/log/app"],
        "sidecars": [
            {
                "name": "db",
                "image": "mariadb:11",
                "env": {"MARIADB_PASSWORD": "${pw}"},
                "command": ["--skip-name-resolve"],
                "volumes": ["/var/lib/mysql"],
                "ports": [3306],
                "healthcheck": ["CMD", "healthcheck.sh", "--connect"],
            },
            {"name": "cache", "image": "redis:7"},
        ],
        "key_name": "my-key",
        "ssh_cidrs": ["192.0.2.0/24"],
        "udp_ports": [8080],
        "privileged": True,
    }
    assert set(values) == set(VARIABLES)
    diags = plan_values(variables_only_dir(module, tmp_path), values)
    assert diags == []


@pytest.mark.parametrize("target", ["docker", "aws", "kubernetes"])
@pytest.mark.parametrize(
    "change, message",
    [
        ({"tenant_id": "../etc"}, "tenant_id must be a UUID"),
        ({"publish_address": "everywhere"}, "publish_address must be an IPv4 address"),
        ({"volumes": ["data"]}, "volumes must hold absolute paths"),
        ({"sidecars": [{"name": "DB", "image": "x:1"}]}, "must be a DNS label"),
        ({"sidecars": [{"name": "a" * 19, "image": "x:1"}]}, "at most 18 characters"),
        ({"sidecars": [{"name": "db", "image": "x:1"}, {"name": "db", "image": "y:1"}]}, "names must be unique"),
        ({"sidecars": [{"name": "db", "image": ""}]}, "each needs an image"),
        ({"sidecars": [{"name": "db", "image": "x:1", "volumes": ["rel"]}]}, "volumes must hold absolute paths"),
        ({"sidecars": [{"name": "db", "image": "x:1", "ports": [70000]}]}, "integer in 1..65535"),
        ({"ssh_cidrs": ["nope"]}, "valid CIDR"),
        ({"udp_ports": [0]}, "UDP port must be an integer"),
        ({"ports": [0]}, "integer in 1..65535"),
        ({"service_id": "not-a-uuid"}, "must be a UUID"),
        ({"files": {"../x": "y"}}, "plain file names"),
        ({"image": ""}, "needs an image"),
        ({"healthcheck": ["curl", "x"]}, "CMD"),
        ({"files_path": "relative"}, "absolute path"),
    ],
)
def test_module_refuses_bad_values(target: str, change: dict, message: str, tmp_path: Path):
    module = load(module_dir(target))
    values = {"service_id": SERVICE_ID, "service_name": "svc", "ports": [8080], "image": "x:1", **change}
    diags = plan_values(variables_only_dir(module, tmp_path), values)
    assert any(message in d.get("detail", "") for d in diags if d["severity"] == "error"), diags


@pytest.mark.parametrize("target", TARGETS)
def test_module_reads_no_file_but_its_tf_files(target: str):
    """SpawnIt lays only a module's *.tf files into a work directory: a module may not
    read other files (file(), templatefile(), ...)."""
    folder = module_dir(target)
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".tf")) == []
    module = load(folder)
    from tests.modules.tfconfig import _walk

    calls = {n.get("Name") for n in _walk(module.raw) if isinstance(n, dict) and "Args" in n and "Name" in n}
    assert not calls & {"file", "templatefile", "filebase64", "fileset", "filemd5", "filesha256"}, calls


# --------------------------------------------------------------------------- the checks catch mistakes


def broken_copy(tmp_path: Path, target: str, edit) -> Path:
    copy = tmp_path / target
    shutil.copytree(module_dir(target), copy)
    edit(copy)
    return copy


@pytest.mark.parametrize("target", TARGETS)
def test_a_syntax_error_is_reported(target: str, tmp_path: Path):
    def edit(folder: Path):
        path = folder / "outputs.tf"
        path.write_text(path.read_text() + '\noutput "broken" {\n  value = [1, 2\n}\n')

    module = load(broken_copy(tmp_path, target, edit))
    assert any("outputs.tf" in e for e in module.errors()), module.errors()
    proc = engine("fmt", "-check", "-no-color", str(tmp_path / target), cwd=tmp_path)
    assert proc.returncode != 0


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "reference, problem",
    [
        ("var.no_such_variable", "unknown variable"),
        ("local.no_such_local", "unknown local value"),
        ("no_such_resource.service.id", "unknown reference"),
        ("data.aws_ami.nothing.id", "unknown data source"),
        ("module.nothing.out", "unknown module"),
    ],
)
def test_an_unknown_reference_is_reported(target: str, reference: str, problem: str, tmp_path: Path):
    def edit(folder: Path):
        path = folder / "outputs.tf"
        path.write_text(path.read_text() + f'\noutput "broken" {{\n  value = "x ${{{reference} == 1 ? 2 : 3}}"\n}}\n')

    module = load(broken_copy(tmp_path, target, edit))
    assert module.errors() == []  # the loader alone lets it through...
    found = module.unknown_references()
    assert len(found) == 1 and problem in found[0] and "outputs.tf" in found[0], found  # ...the walk does not


def test_a_duplicate_or_a_bad_type_is_reported(tmp_path: Path):
    def edit(folder: Path):
        path = folder / "variables.tf"
        path.write_text(path.read_text() + '\nvariable "ports" {\n  type = lisst(number)\n}\n')

    errors = load(broken_copy(tmp_path, "docker", edit)).errors()
    assert any("Duplicate variable" in e for e in errors) and any("not a valid type" in e for e in errors), errors


def test_a_shadow_copy_is_used_only_for_operators(tmp_path: Path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "main.tf").write_text('variable "x" {\n  type = string\n}\n\noutput "y" {\n  value = var.x\n}\n')
    assert load(plain).shadowed is False
    assert load(module_dir("docker")).shadowed is True  # it uses operators: see tfconfig's doc


# --------------------------------------------------------------------------- the shadow copy itself


@pytest.mark.parametrize(
    "source, expected",
    [
        ("a = b == c\n", "a = b ? null : c\n"),
        ("a = x - 1\n", "a = x ? null : 1\n"),
        ("a = -1\n", "a = 1\n"),
        ("a = !x && y || z\n", "a = x ? null : y ? null : z\n"),
        ("a = a-b\n", "a = a-b\n"),  # an identifier with a dash
        ("a = x[*].id\n", "a = x[*].id\n"),
        ("a = x.*.id\n", "a = x.*.id\n"),
        ("a = {for k, v in m : k => v if v != null}\n", "a = {for k, v in m : k => v if v ? null : null}\n"),
        (
            'a = "${x + 1} and $${y + 1} %{ if a > b }z%{ endif }"\n',
            'a = "${x ? null : 1} and $${y + 1} %{ if a ? null : b }z%{ endif }"\n',
        ),
        ('a = "say \\"${a * b}\\" - ok"\n', 'a = "say \\"${a ? null : b}\\" - ok"\n'),
        ("a = <<EOT\nx - ${y - 1}\nEOT\nb = 1 / 2\n", "a = <<EOT\nx - ${y ? null : 1}\nEOT\nb = 1 ? null : 2\n"),
        ("# a - b\n// c * d\n/* e / f */\n", "# a - b\n// c * d\n/* e / f */\n"),
        ('a = "${join(",", [for s in x : "${s}-${s}"])}"\n', 'a = "${join(",", [for s in x : "${s}-${s}"])}"\n'),
        ("a = 1.5e-3 * 2\n", "a = 1.5e-3 ? null : 2\n"),
    ],
)
def test_neutralize(source: str, expected: str):
    assert neutralize(source) == expected
