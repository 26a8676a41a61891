"""Targets offered by a real server are the ones this host can run now, with the reason."""

from __future__ import annotations

from tests.server import Start

QUERY = '{ catalogEntry(id: "redis") { availableTargets targetAvailability { target available reason } } }'


async def test_docker_on_path_without_a_daemon_is_not_offered(start: Start, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    running = await start()
    entry = (await running.api.run(QUERY))["catalogEntry"]
    by_target = {t["target"]: t for t in entry["targetAvailability"]}
    assert "docker" not in entry["availableTargets"]
    assert "no Docker daemon answers" in by_target["docker"]["reason"]
    assert "aws" not in entry["availableTargets"]
    assert "SPAWNIT_AWS_ACCESS_KEY_ID" in by_target["aws"]["reason"]
    errors = await running.api.errors(
        """mutation { createService(input: {catalogEntryId: "redis", target: "docker", name: "r",
             variables: {port: 6390}}) { id } }"""
    )
    assert errors.codes == ["BAD_USER_INPUT"]
    assert "no Docker daemon answers" in errors.errors[0]["message"]
    assert errors.errors[0]["extensions"]["field"] == "input.target"
    assert (await running.api.run("{ services(first: 5) { edges { node { id } } } }"))["services"]["edges"] == []


async def test_aws_is_offered_with_credentials_of_its_own(start: Start) -> None:
    from app.settings import Secret

    running = await start(
        aws_target_access_key_id=Secret("AKIA-test"),
        aws_target_secret_access_key=Secret("s"),
        aws_target_region="eu-west-3",
    )
    entry = (await running.api.run(QUERY))["catalogEntry"]
    assert "aws" in entry["availableTargets"]
