"""With auth on, the `local` target runs a tenant's services on SpawnIt's own host: it is
refused unless the operator turns it on (SPAWNIT_LOCAL_TARGET=tenants), and the catalog
says so, with the setting to change. Driven over a real server with the tests' issuer."""

from __future__ import annotations

import pytest

from app.cli import _parser, settings_from
from app.errors import BadInput
from app.settings import Settings
from tests.api.client import Api
from tests.conftest import free_port
from tests.issuer import AUDIENCE, Issuer
from tests.server import Start

AVAILABILITY = "{ catalog { id targets availableTargets targetAvailability { target available reason } } }"


async def local_availability(api: Api, only: str | None = None) -> list[tuple[bool, str | None, bool]]:
    """(available, reason, listed in availableTargets) of `local`, for every entry that has it."""
    out = []
    for entry in (await api.run(AVAILABILITY))["catalog"]:
        if (only is not None and entry["id"] != only) or "local" not in entry["targets"]:
            continue  # an entry without local lists it with its own reason (tests/api/test_catalog_icons.py)
        for t in entry["targetAvailability"]:
            if t["target"] == "local":
                out.append((t["available"], t["reason"], "local" in entry["availableTargets"]))
    return out


async def test_auth_on_refuses_local_by_default(start: Start, issuer: Issuer) -> None:
    spawnit = await start(oidc_issuer=issuer.url, oidc_audience=AUDIENCE, jwks_refresh_floor_seconds=0)
    alice = spawnit.api.as_(issuer.token("alice"))
    errors = await alice.errors(
        """mutation($input: CreateServiceInput!) { createService(input: $input) { id } }""",
        input={"catalogEntryId": "static-site", "target": "local", "name": "s", "variables": {"title": "t"}},
    )
    assert errors.codes == ["FORBIDDEN"]
    message = errors.errors[0]["message"]
    assert "SPAWNIT_LOCAL_TARGET=tenants" in message, message
    assert errors.errors[0]["extensions"].get("field") == "target"
    seen = await local_availability(alice)
    assert seen and all(
        not available and "SPAWNIT_LOCAL_TARGET" in (reason or "") and not listed for available, reason, listed in seen
    ), seen
    assert await alice.run("{ services(first: 10) { edges { node { id } } } }") == {"services": {"edges": []}}


async def test_operator_turns_local_on_for_tenants(start: Start, issuer: Issuer) -> None:
    spawnit = await start(
        oidc_issuer=issuer.url, oidc_audience=AUDIENCE, jwks_refresh_floor_seconds=0, local_target="tenants"
    )
    alice = spawnit.api.as_(issuer.token("alice"))
    site = await alice.create_site("alice's", free_port())
    assert site["target"] == "local"
    assert await local_availability(alice, "static-site") == [(True, None, True)]


async def test_off_refuses_local_even_to_the_operator(start: Start) -> None:
    spawnit = await start(local_target="off")
    errors = await spawnit.api.errors(
        """mutation($input: CreateServiceInput!) { createService(input: $input) { id } }""",
        input={"catalogEntryId": "static-site", "target": "local", "name": "s", "variables": {"title": "t"}},
    )
    assert errors.codes == ["FORBIDDEN"] and "SPAWNIT_LOCAL_TARGET=off" in errors.errors[0]["message"]
    assert all(not available for available, _, _ in await local_availability(spawnit.api))


async def test_auth_off_keeps_local_for_the_operator(spawnit) -> None:
    assert await local_availability(spawnit.api, "static-site") == [(True, None, True)]
    site = await spawnit.api.create_site("mine", free_port())
    assert site["target"] == "local"


def test_setting_and_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().local_target == "operator"
    assert Settings.from_env({"SPAWNIT_LOCAL_TARGET": "tenants"}).local_target == "tenants"
    with pytest.raises(BadInput, match="SPAWNIT_LOCAL_TARGET"):
        Settings.from_env({"SPAWNIT_LOCAL_TARGET": "everyone"})
    monkeypatch.delenv("SPAWNIT_LOCAL_TARGET", raising=False)
    assert settings_from(_parser().parse_args(["serve", "--local-target", "off"])).local_target == "off"
