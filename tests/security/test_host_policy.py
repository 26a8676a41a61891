"""The host policy's rules without a server: auth on checks hosts only when told to,
and the settings that feed it."""

from __future__ import annotations

from app.http.hosts import HostPolicy, normalize_origin, split_host
from app.settings import Settings


def test_with_auth_on_hosts_are_checked_only_when_listed() -> None:
    open_policy = HostPolicy((), (), always=False)
    assert open_policy.host_allowed("spawnit.example.com", "https", 8000)
    listed = HostPolicy(("spawnit.example.com",), (), always=False)
    assert listed.host_allowed("spawnit.example.com", "https", 8000)
    assert listed.host_allowed("SpawnIt.Example.com:8443", "https", 8000)
    assert not listed.host_allowed("evil.example", "https", 8000)
    assert listed.host_allowed("localhost:8000", "http", 8000)  # a local health check
    assert not listed.host_allowed("localhost:8001", "http", 8000)
    assert HostPolicy(("*",), (), always=True).host_allowed("anything:1", "http", 8000)


def test_auth_off_allows_loopback_on_the_served_port_only() -> None:
    policy = HostPolicy((), (), always=True)
    assert policy.host_allowed("127.0.0.1:8000", "http", 8000)
    assert policy.host_allowed("localhost", "http", 80)
    assert not policy.host_allowed("localhost", "http", 8000)
    assert not policy.host_allowed(None, "http", 8000)
    assert not policy.host_allowed("localhost:80:80", "http", 80)


def test_origins_and_hosts_are_normalized() -> None:
    assert normalize_origin("HTTP://App.Example:80/") == "http://app.example"
    assert normalize_origin("https://app.example:8443") == "https://app.example:8443"
    assert split_host("[::1]:8000") == ("[::1]", 8000)
    assert split_host("evil.example:x") == ("evil.example", -1)


def test_edge_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SPAWNIT_ALLOWED_HOSTS": "a.example, b.example:9000,,",
            "SPAWNIT_CORS_ORIGINS": "http://app.example:5173",
            "SPAWNIT_MAX_WS_MESSAGE_BYTES": "4096",
        }
    )
    assert settings.allowed_hosts == ("a.example", "b.example:9000")
    assert settings.cors_origins == ("http://app.example:5173",)
    assert settings.ws_message_limit == 4096
    assert Settings.from_env({}).ws_message_limit == Settings().max_body_bytes


def test_edge_settings_have_serve_flags(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.cli import _parser, settings_from

    for name in ("ALLOWED_HOSTS", "CORS_ORIGINS", "MAX_WS_MESSAGE_BYTES"):
        monkeypatch.delenv(f"SPAWNIT_{name}", raising=False)
    args = _parser().parse_args(
        ["serve", "--allowed-hosts", "x.example", "--cors-origins", "http://a,http://b", "--max-ws-message-bytes", "9"]
    )
    settings = settings_from(args)
    assert settings.allowed_hosts == ("x.example",)
    assert settings.cors_origins == ("http://a", "http://b")
    assert settings.ws_message_limit == 9
