"""SpawnIt's own deployment (infra/): every stack and module loads through the engine's
loader without a diagnostic or an unknown reference, module calls pass only variables
the module declares, `fmt` is satisfied, each stack's values (its *.auto.tfvars.json
plus the secrets from the environment) satisfy its variables in the engine's own
judgement, the scripts pass shellcheck, and the realm export and compose file say what
SpawnIt's auth expects."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.modules.tfconfig import engine, files_declaring_other_things, load, plan_values, variables_only_dir

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
STACKS = ["volumes", "network", "instances", "configs"]
MODULES = sorted(p for p in (INFRA / "modules").iterdir() if p.is_dir())
META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on"}
SECRETS = {  # given as TF_VAR_... by whoever deploys (see infra/README.md)
    "instances": {
        "minio_root_user": "u",
        "minio_root_password": "pppppppp",
        "keycloak_admin_password": "k",
        "spawnit_secret_key": "s",
        "redis_password": "rrrrrrrrrrrrrrrr",
    },
    "configs": {
        "minio_root_user": "u",
        "minio_root_password": "pppppppp",
        "keycloak_admin_password": "k",
        "user_passwords": {"alice": "a", "bob": "b"},
    },
}


@pytest.mark.parametrize("folder", [INFRA / s for s in STACKS] + MODULES, ids=lambda p: str(p.relative_to(INFRA)))
def test_loads_without_diagnostics(folder: Path):
    module = load(folder)
    assert module.problems() == []
    assert module.unknown_references() == []
    for name in module.module_calls:
        child = module.child(name)
        assert child is not None, f"{name}: modules come from infra/modules"
        unknown = module.call_arguments(name) - META_ARGUMENTS - set(child.variables)
        assert not unknown, f"module.{name} passes undeclared variables {sorted(unknown)}"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_layout_and_state(stack: str):
    folder = INFRA / stack
    assert (folder / "main.tf").is_file() and (folder / "variables.tf").is_file()
    assert list(folder.glob("*.auto.tfvars.json")), f"{stack}: no *.auto.tfvars.json"
    module = load(folder)
    assert module.backend == "s3"  # the state lives in MinIO (infra/README.md)
    assert files_declaring_other_things(module) == {}
    for name, variable in module.variables.items():
        assert variable["Description"], f"{stack}: variable {name} needs a description"
        if any(word in name for word in ("password", "secret")):
            assert variable["Sensitive"], f"{stack}: {name} must be sensitive"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_values_satisfy_its_variables(stack: str, tmp_path: Path):
    module = load(INFRA / stack)
    values = {}
    for path in sorted((INFRA / stack).glob("*.auto.tfvars.json")):
        values.update(json.loads(path.read_text()))
    assert not set(values) & set(SECRETS.get(stack, {})), f"{stack}: a secret in a committed file"
    values.update(SECRETS.get(stack, {}))
    assert plan_values(variables_only_dir(module, tmp_path), values) == []


def test_no_secret_is_committed():
    for path in INFRA.rglob("*.auto.tfvars.json"):
        text = path.read_text().lower()
        assert "password" not in text and "secret" not in text, path


def test_fmt_check_passes_on_infra():
    proc = engine("fmt", "-check", "-recursive", "-diff", "-no-color", str(INFRA), cwd=INFRA)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_stacks_share_their_names():
    """What one stack makes, the next finds by the same name."""

    def read(stack: str) -> dict:
        return json.loads(next((INFRA / stack).glob("*.auto.tfvars.json")).read_text())

    assert read("volumes")["volumes"] == read("instances")["volumes"]
    assert read("network")["network_name"] == read("instances")["network_name"]
    instances, configs = read("instances"), read("configs")
    for key in ("realm", "api_audience", "admin_role", "data_bucket"):
        assert instances[key] == configs[key], key


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed (.ci/run installs it)")
def test_scripts_pass_shellcheck():
    scripts = sorted((INFRA / "scripts").glob("*.sh"))
    names = {p.name for p in scripts}
    assert {
        "volumes-deploy.sh",
        "network-deploy.sh",
        "instances-deploy.sh",
        "configs-deploy.sh",
        "all-deploy.sh",
        "all-destroy.sh",
    } <= names
    proc = subprocess.run(
        ["shellcheck", "-x", *[p.name for p in scripts]], cwd=INFRA / "scripts", capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_scripts_wait_for_health_not_for_time():
    text = "\n".join(p.read_text() for p in (INFRA / "scripts").glob("*.sh"))
    assert "wait_healthy spawnit-minio" in text and "wait_healthy spawnit-api" in text
    for line in text.splitlines():
        if "sleep" in line.split("#")[0]:
            assert "sleep 2" in line  # only the poll interval inside the wait loops


def test_realm_export_matches_what_spawnit_expects():
    realm = json.loads((INFRA / "keycloak" / "spawnit-realm.json").read_text())
    assert realm["realm"] == "spawnit" and realm["enabled"]
    assert [r["name"] for r in realm["roles"]["realm"]] == ["spawnit-admin"]
    clients = {c["clientId"]: c for c in realm["clients"]}
    assert clients["spawnit-web"]["publicClient"] and clients["spawnit-web"]["standardFlowEnabled"]
    assert clients["spawnit-web"]["attributes"]["pkce.code.challenge.method"] == "S256"
    assert clients["spawnit-api"]["bearerOnly"]
    mapper = next(m for m in clients["spawnit-web"]["protocolMappers"] if m["protocolMapper"] == "oidc-audience-mapper")
    assert mapper["config"]["included.client.audience"] == "spawnit-api"
    assert mapper["config"]["access.token.claim"] == "true"
    assert "credentials" not in json.dumps(realm) and "secret" not in json.dumps(realm).lower()


def test_compose_wires_the_api_to_minio_and_keycloak():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"api", "api-a", "api-b", "worker-1", "worker-2", "redis", "minio", "minio-init", "keycloak"} <= set(
        services
    )
    for name in ("api-a", "api-b", "worker-1", "worker-2"):
        spawnit = services[name]
        env = spawnit["environment"]
        assert env["SPAWNIT_STORE"] == "s3", name
        assert env["SPAWNIT_OIDC_ISSUER"].endswith("/realms/spawnit"), name
        assert env["SPAWNIT_REDIS_URL"] == "redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD}@redis:6379/0", name
        assert env["SPAWNIT_SECRET_KEY"] == "${SPAWNIT_SECRET_KEY:?set SPAWNIT_SECRET_KEY}", name  # one key for all
        assert spawnit["depends_on"]["keycloak"]["condition"] == "service_healthy", name
        assert spawnit["depends_on"]["redis"]["condition"] == "service_healthy", name
        assert spawnit["depends_on"]["minio-init"]["condition"] == "service_completed_successfully", name
        assert "/readyz" in " ".join(spawnit["healthcheck"]["test"]), name
        assert "ports" not in spawnit, f"{name} is reached through the balancer only"
    assert [services[n]["environment"]["SPAWNIT_ROLE"] for n in ("api-a", "api-b")] == ["api", "api"]
    assert [services[n]["environment"]["SPAWNIT_ROLE"] for n in ("worker-1", "worker-2")] == ["worker", "worker"]
    assert services["worker-1"]["entrypoint"] == ["spawnit", "worker"]
    volumes = [services[n]["volumes"][0].split(":")[0] for n in ("api-a", "api-b", "worker-1", "worker-2")]
    assert len(set(volumes)) == 4, "each process has a data folder of its own"
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"
    balancer = services["api"]
    assert balancer["image"].startswith("nginx:") and balancer["ports"] == ["127.0.0.1:8000:8000"]
    assert balancer["volumes"] == ["./infra/nginx/spawnit.conf:/etc/nginx/conf.d/default.conf:ro"]
    conf = (INFRA / "nginx" / "spawnit.conf").read_text()
    assert "server api-a:8000" in conf and "server api-b:8000" in conf and "proxy_set_header Upgrade" in conf
    for name in ("api", "redis", "minio", "keycloak"):
        assert services[name]["healthcheck"]["test"], name
    assert "--appendonly yes" in " ".join(services["redis"]["command"])
    text = (ROOT / "compose.yaml").read_text()
    assert "PASSWORD: ${" in text  # secrets from the environment, never written here


def test_the_instances_stack_deploys_redis_the_api_and_a_worker_sharing_it():
    module = load(INFRA / "instances")
    assert {"minio", "keycloak", "redis", "api", "worker"} <= set(module.module_calls)
    assert {"entrypoint", "env", "volumes"} <= module.call_arguments("worker")
    text = (INFRA / "instances" / "main.tf").read_text()
    assert 'entrypoint  = ["spawnit", "worker"]' in text
    assert 'SPAWNIT_REDIS_URL     = "redis://:${urlencode(var.redis_password)}@redis:6379/0"' in text
    assert 'merge(local.aws_target_env, local.spawnit_env, { SPAWNIT_ROLE = "api" })' in text
    assert 'merge(local.aws_target_env, local.spawnit_env, { SPAWNIT_ROLE = "worker" })' in text
    assert module.variables["redis_password"]["Sensitive"]
    deploy = (INFRA / "scripts" / "instances-deploy.sh").read_text()
    assert "TF_VAR_redis_password" in deploy and "wait_healthy spawnit-redis" in deploy
    assert "wait_healthy spawnit-worker" in (INFRA / "scripts" / "configs-deploy.sh").read_text()


def test_dockerfile_pins_and_verifies_opentofu():
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG TOFU_VERSION=" in text and "ARG TOFU_SHA256_AMD64=" in text
    assert "hashlib.sha256" in text and "checksum mismatch" in text
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "USER 10001" in text
    assert text.index("COPY pyproject.toml") < text.index("COPY app")  # dependencies before the source


def test_the_api_gets_the_aws_targets_credentials_never_minios():
    """The API container's SPAWNIT_AWS_* come from the aws target's variables (the
    operator's SPAWNIT_AWS_* through instances-deploy.sh), none from MinIO's keys."""
    from tests.modules.wiring import reaches

    module = load(INFRA / "instances")
    env = (module.module_calls["api"]["Config"]["Attributes"])["env"]["Expr"]
    aws = module.locals["aws_target_env"]["Expr"]
    assert reaches(module, env, "local.aws_target_env")
    for name in ("aws_target_access_key_id", "aws_target_secret_access_key", "aws_target_region"):
        assert reaches(module, aws, f"var.{name}"), name
        assert module.variables[name]["Sensitive"] or name == "aws_target_region"
    assert not reaches(module, aws, "var.minio_root_user") and not reaches(module, aws, "var.minio_root_password")
    script = (INFRA / "scripts" / "instances-deploy.sh").read_text()
    for name in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "REGION"):
        assert f'export TF_VAR_aws_target_{name.lower()}="${{SPAWNIT_AWS_{name}:-}}"' in script, name
