"""The aws target's credentials and the S3 store's never meet, on a real `spawnit serve`
with the S3 store on a real moto server that checks access keys (IAM on):

- an aws job's engine environment holds the aws target's keys and region (the
  operator's `SPAWNIT_AWS_*`, or the tenant's own once registered with
  `setTargetCredentials`), and none of the store's;
- the engine's S3 backend still stores the state, with the store's keys (moto refuses
  any other key, so a backend that took the aws target's would fail the job);
- no key of either pair shows in the server's log, a job's log or an API answer.

No cloud here: the test's modules folder holds an `aws/instance` module with the aws
module's variables whose one resource writes the engine's environment to a file (a
`local-exec` runs with exactly the engine's environment).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import boto3
import pytest

from tests.api.client import Api
from tests.conftest import running_moto
from tests.modules.contract import ROOT
from tests.server import Start
from tests.support import environment_without_settings, free_port, server_process, spawnit_serve

OPERATOR_KEY, OPERATOR_SECRET = "AKIAOPERATOR0000TEST", "operator-secret-0123456789abcdef"
TENANT_KEY, TENANT_SECRET = "AKIATENANT00000TEST1", "tenant-secret-fedcba9876543210xyz"

PROBE_TEMPLATE = {
    "fields": [{"name": "port", "type": "integer", "default": 8080, "min": 1024, "max": 65535, "description": "Port."}],
    "targets": {"aws": {"requires": [], "variables": {"image": "probe:1", "ports": ["{{port}}"], "env": {}}}},
}


def probe_module(dump_dir: Path) -> str:
    writer = (
        "import json, os, sys; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600); "
        "os.write(fd, json.dumps(dict(os.environ)).encode())"
    )
    return (
        'resource "terraform_data" "probe" {\n  input = var.service_id\n\n  provisioner "local-exec" {\n'
        f"    interpreter = {json.dumps(['python3', '-c', writer])}\n"
        f'    command     = "{dump_dir}/${{var.service_id}}.json"\n  }}\n}}\n\n'
        'output "endpoint" {\n  value = "probe"\n}\n\noutput "ports" {\n  value = var.ports\n}\n\n'
        'output "pid" {\n  value = null\n}\n'
    )


def layout(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A catalog of one aws entry, modules whose aws one dumps its environment, the dump folder."""
    catalog = tmp_path / "catalog"
    (catalog / "templates").mkdir(parents=True)
    entry = {"id": "probe", "name": "Probe", "description": "Writes the engine's environment.", "template": "probe"}
    (catalog / "catalog.json").write_text(json.dumps({"entries": [entry]}))
    (catalog / "templates" / "probe.template.tfvars.json").write_text(json.dumps(PROBE_TEMPLATE))
    modules = tmp_path / "modules"
    aws = modules / "aws" / "instance"
    aws.mkdir(parents=True)
    for name in ("variables.tf", "variables_shared.tf"):
        shutil.copy(ROOT / "modules" / "aws" / "instance" / name, aws / name)
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (aws / "main.tf").write_text(probe_module(dumps))
    return catalog, modules, dumps


@pytest.fixture
def authenticating_moto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """moto with IAM on after 3 requests: a user with every right, and its keys."""
    monkeypatch.setenv("INITIAL_NO_AUTH_ACTION_COUNT", "3")
    with running_moto(tmp_path / "moto.log") as (endpoint, _):
        iam = boto3.client(
            "iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        iam.create_user(UserName="store")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_user_policy(UserName="store", PolicyName="all", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="store")["AccessKey"]
        yield endpoint, key["AccessKeyId"], key["SecretAccessKey"]


async def apply_probe(api: Api, name: str, answers: list[object]) -> dict:
    created = await api.run(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id tenantId } }",
        i={"catalogEntryId": "probe", "target": "aws", "name": name},
    )
    service = created["createService"]
    job = await api.mutate_job("applyService", service["id"])
    final = await api.wait_job(job["id"])
    logs = await api.logs(job["id"])
    answers += [created, job, final, logs]
    assert final["state"] == "SUCCEEDED", (final, [line["text"] for line in logs])
    return service


async def test_aws_jobs_get_the_aws_targets_credentials_and_the_backend_the_stores(
    tmp_path: Path, authenticating_moto
) -> None:
    endpoint, store_key, store_secret = authenticating_moto
    catalog, modules, dumps = layout(tmp_path)
    bucket = f"spawnit-{uuid.uuid4().hex[:12]}"
    env = {
        **environment_without_settings(),
        "AWS_ACCESS_KEY_ID": store_key,  # the store's, as an operator gives them
        "AWS_SECRET_ACCESS_KEY": store_secret,
        "SPAWNIT_AWS_ACCESS_KEY_ID": OPERATOR_KEY,
        "SPAWNIT_AWS_SECRET_ACCESS_KEY": OPERATOR_SECRET,
        "SPAWNIT_AWS_REGION": "eu-west-3",
        "DOCKER_HOST": "tcp://127.0.0.1:9",  # the docker target's: not an aws job's
        "SPAWNIT_DATA_DIR": str(tmp_path / "data"),
        "SPAWNIT_ENGINE": "embedded",
        "SPAWNIT_STORE": "s3",
        "SPAWNIT_S3_ENDPOINT": endpoint,
        "SPAWNIT_S3_BUCKET": bucket,
        "SPAWNIT_S3_PATH_STYLE": "true",
        "SPAWNIT_CATALOG_DIR": str(catalog),
        "SPAWNIT_MODULES_DIR": str(modules),
        "SPAWNIT_DRIFT_INTERVAL_SECONDS": "0",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=store_key,
        aws_secret_access_key=store_secret,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    answers: list[object] = []
    with server_process(spawnit_serve(port, "--log-level", "info"), url, log, env=env):
        api = Api(url)
        first = await apply_probe(api, "operators", answers)
        seen = json.loads((dumps / f"{first['id']}.json").read_text())
        assert (seen["AWS_ACCESS_KEY_ID"], seen["AWS_SECRET_ACCESS_KEY"]) == (OPERATOR_KEY, OPERATOR_SECRET)
        assert seen["AWS_REGION"] == "eu-west-3"
        assert seen["TF_VAR_tenant_id"] == first["tenantId"]
        assert "DOCKER_HOST" not in seen
        leaked = [name for name, value in seen.items() if store_key in value or store_secret in value]
        assert leaked == [], f"the store's keys reached an aws job's environment in {leaked}"

        registered = await api.run(
            """mutation($k: String!, $s: String!) { setTargetCredentials(target: "aws", accessKeyId: $k,
                 secretAccessKey: $s, region: "ap-south-1") { target configured region updatedAt } }""",
            k=TENANT_KEY,
            s=TENANT_SECRET,
        )
        status = await api.run('{ targetCredentials(target: "aws") { configured region } }')
        answers += [registered, status]
        assert registered["setTargetCredentials"]["configured"] is True
        assert status["targetCredentials"] == {"configured": True, "region": "ap-south-1"}
        key = f"tenants/{first['tenantId']}/credentials/aws.json"
        sealed = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert sealed["access_key_id"].startswith("enc:v1:") and sealed["secret_access_key"].startswith("enc:v1:")
        assert TENANT_KEY not in json.dumps(sealed) and TENANT_SECRET not in json.dumps(sealed)

        second = await apply_probe(api, "tenants", answers)
        seen = json.loads((dumps / f"{second['id']}.json").read_text())
        assert (seen["AWS_ACCESS_KEY_ID"], seen["AWS_SECRET_ACCESS_KEY"]) == (TENANT_KEY, TENANT_SECRET)
        assert seen["AWS_REGION"] == "ap-south-1"
        assert not any(OPERATOR_SECRET in v or store_secret in v for v in seen.values())

        cleared = await api.run('mutation { clearTargetCredentials(target: "aws") { configured region } }')
        answers.append(cleared)
        assert cleared["clearTargetCredentials"] == {"configured": False, "region": None}

    stored = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    for service in (first, second):  # the backend wrote the states with the store's keys
        assert f"clients/{service['tenantId']}/{service['id']}/terraform.tfstate" in stored
    assert not any(key.startswith("tenants/") for key in stored), "cleared credentials are gone"
    workdirs = tmp_path / "data" / "workdirs"
    on_disk = b"".join(p.read_bytes() for p in workdirs.rglob("*") if p.is_file() and not p.is_symlink())
    everything = {
        "server log": log.read_text(errors="replace"),
        "API answers and job logs": json.dumps(answers),
        "work directories after the jobs": on_disk.decode(errors="replace"),
    }
    for where, text in everything.items():
        for secret in (store_secret, OPERATOR_SECRET, TENANT_SECRET, TENANT_KEY, OPERATOR_KEY):
            assert secret not in text, f"a credential in the {where}"
    assert os.path.getsize(log) > 0


async def test_a_tenants_own_credentials_make_aws_available_to_it(start: Start, tmp_path: Path) -> None:
    """No aws credentials of the operator's: the tenant's registered ones (with a region)
    offer aws to that tenant, and createService on aws is taken; cleared, refused again."""
    catalog, modules, _ = layout(tmp_path)
    api = (await start(catalog_dir=catalog, modules_dir=modules)).api
    availability = '{ catalogEntry(id: "probe") { targetAvailability { target available reason } } }'
    create = "mutation($i: CreateServiceInput!) { createService(input: $i) { id target } }"
    probe = {"catalogEntryId": "probe", "target": "aws", "name": "mine"}

    async def aws() -> dict:
        entry = (await api.run(availability))["catalogEntry"]
        return next(t for t in entry["targetAvailability"] if t["target"] == "aws")

    before = await aws()
    assert before["available"] is False and "SPAWNIT_AWS_ACCESS_KEY_ID" in before["reason"]
    assert (await api.errors(create, i=probe)).codes == ["BAD_USER_INPUT"]
    register = """mutation($r: String) { setTargetCredentials(target: "aws", accessKeyId: "AKIATENANT00000TEST1",
                    secretAccessKey: "tenant-secret-fedcba9876543210xyz", region: $r) { configured } }"""
    await api.run(register, r=None)
    no_region = await aws()
    assert no_region["available"] is False and "region" in no_region["reason"]
    await api.run(register, r="eu-north-1")
    assert await aws() == {"target": "aws", "available": True, "reason": None}
    assert (await api.run(create, i=probe))["createService"]["target"] == "aws"
    await api.run('mutation { clearTargetCredentials(target: "aws") { configured } }')
    assert (await aws())["available"] is False
    assert (await api.errors(create, i=probe)).codes == ["BAD_USER_INPUT"]
