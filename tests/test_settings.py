"""Settings from the environment: every name read, bad values named, secrets masked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.engine.priority import parse_cpus
from app.errors import BadInput
from app.settings import S3Settings, Secret, Settings

SECRET_KEY = "wJalrXUtnFEMI-K7MDENG-very-secret"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"

FULL = {
    "SPAWNIT_HOST": "0.0.0.0",
    "SPAWNIT_PORT": "9123",
    "SPAWNIT_DATA_DIR": "/var/lib/spawnit",
    "SPAWNIT_STORE": "s3",
    "SPAWNIT_S3_BUCKET": "my-bucket",
    "SPAWNIT_S3_ENDPOINT": "http://minio:9000",
    "SPAWNIT_S3_REGION": "eu-central-1",
    "SPAWNIT_S3_PATH_STYLE": "false",
    "SPAWNIT_ENGINE": "embedded",
    "SPAWNIT_MAX_PARALLEL_JOBS": "7",
    "SPAWNIT_CANCEL_GRACE_SECONDS": "2.5",
    "SPAWNIT_CATALOG_DIR": "/etc/spawnit/catalog",
    "SPAWNIT_LOCK_TIMEOUT_SECONDS": "45",
    "SPAWNIT_ENGINE_NICE": "0",
    "SPAWNIT_ENGINE_IDLE": "true",
    "AWS_ACCESS_KEY_ID": KEY_ID,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
}


@pytest.fixture
def settings() -> Settings:
    return Settings.from_env(FULL)


def test_every_name_is_read(settings: Settings) -> None:
    assert (settings.host, settings.port, settings.data_dir) == ("0.0.0.0", 9123, Path("/var/lib/spawnit"))
    assert (settings.store, settings.engine) == ("s3", "embedded")
    assert (settings.max_parallel_jobs, settings.cancel_grace_seconds) == (7, 2.5)
    assert settings.catalog_dir == Path("/etc/spawnit/catalog")
    assert settings.lock_timeout_seconds == 45
    assert settings.engine_nice == 0  # off
    assert settings.engine_idle and settings.engine_priority.idle and not settings.provider_priority.idle
    assert not Settings().engine_priority.idle and not Settings().provider_priority.idle  # opt-in: starvable
    assert not Settings(
        engine_idle=True, provider_reattach=False
    ).engine_priority.idle  # its providers would inherit it
    assert settings.s3 == S3Settings(
        bucket="my-bucket",
        endpoint="http://minio:9000",
        region="eu-central-1",
        path_style=False,
        access_key_id=Secret(KEY_ID),
        secret_access_key=Secret(SECRET_KEY),
    )


def test_credentials_are_secrets(settings: Settings) -> None:
    assert isinstance(settings.s3.secret_access_key, Secret)
    assert settings.s3.secret_access_key.reveal() == SECRET_KEY
    assert settings.s3.access_key_id.reveal() == KEY_ID


def test_an_empty_environment_gives_the_defaults() -> None:
    assert Settings.from_env({}) == Settings()


def test_empty_values_count_as_unset() -> None:
    assert Settings.from_env({name: "" for name in FULL}) == Settings()


def test_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPAWNIT_PORT", "8765")
    monkeypatch.setenv("SPAWNIT_ENGINE", "tofu")
    settings = Settings.from_env()
    assert (settings.port, settings.engine) == (8765, "tofu")


def test_derived_directories(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert (settings.workdirs, settings.store_dir, settings.run_dir, settings.engine_dir) == (
        tmp_path / "workdirs",
        tmp_path / "store",
        tmp_path / "run",
        tmp_path / "engine",
    )


@pytest.mark.parametrize(
    "name, value",
    [
        ("SPAWNIT_PORT", "eighty"),
        ("SPAWNIT_PORT", "0"),
        ("SPAWNIT_PORT", "65536"),
        ("SPAWNIT_PORT", "-1"),
        ("SPAWNIT_STORE", "ftp"),
        ("SPAWNIT_ENGINE", "pulumi"),
        ("SPAWNIT_MAX_PARALLEL_JOBS", "many"),
        ("SPAWNIT_MAX_PARALLEL_JOBS", "0"),
        ("SPAWNIT_MAX_PARALLEL_JOBS", "1.5"),
        ("SPAWNIT_CANCEL_GRACE_SECONDS", "soon"),
        ("SPAWNIT_CANCEL_GRACE_SECONDS", "0"),
        ("SPAWNIT_CANCEL_GRACE_SECONDS", "-3"),
        ("SPAWNIT_S3_PATH_STYLE", "maybe"),
        ("SPAWNIT_LOCK_TIMEOUT_SECONDS", "half a minute"),
        ("SPAWNIT_ENGINE_NICE", "-5"),  # a higher priority than the API's: refused
        ("SPAWNIT_ENGINE_NICE", "20"),
        ("SPAWNIT_ENGINE_CPUS", "one"),
        ("SPAWNIT_ENGINE_CPUS", "3-1"),
        ("SPAWNIT_ENGINE_CPUS", "-1"),
        ("SPAWNIT_ENGINE_CPUS", "4096"),  # not a CPU this process may use
    ],
)
def test_a_bad_value_is_bad_input_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(BadInput) as err:
        Settings.from_env({name: value})
    assert name in err.value.message


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_grace_that_is_not_a_finite_number_is_bad_input(value: str) -> None:
    with pytest.raises(BadInput) as err:
        Settings.from_env({"SPAWNIT_CANCEL_GRACE_SECONDS": value})
    assert "SPAWNIT_CANCEL_GRACE_SECONDS" in err.value.message


@pytest.mark.parametrize("raw, expected", [("1", True), ("TRUE", True), ("on", True), ("no", False), ("0", False)])
def test_path_style_spellings(raw: str, expected: bool) -> None:
    assert Settings.from_env({"SPAWNIT_S3_PATH_STYLE": raw}).s3.path_style is expected


def test_the_secret_key_never_shows(settings: Settings) -> None:
    for shown in (repr(settings), str(settings), f"{settings}", repr(settings.s3), str(settings.s3.secret_access_key)):
        assert SECRET_KEY not in shown
    assert "********" in repr(settings.s3)


def test_secret_equality_and_truth() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b") and Secret("a") != "a"
    assert not Secret("") and Secret("x")
    assert repr(Secret("")) == "Secret('')"


def test_replace_returns_a_changed_copy(settings: Settings) -> None:
    other = settings.replace(port=1234)
    assert (other.port, settings.port) == (1234, 9123)
    assert other.s3 is settings.s3


def test_relative_paths_are_made_absolute_against_the_start_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"SPAWNIT_DATA_DIR": "spawnit-data", "SPAWNIT_CATALOG_DIR": "cat"})
    assert settings.data_dir == tmp_path / "spawnit-data"
    assert settings.catalog_dir == tmp_path / "cat"
    for derived in (settings.workdirs, settings.engine_dir, settings.run_dir, settings.store_dir):
        assert derived.is_absolute()
    assert Settings().data_dir == tmp_path / "spawnit-data"  # the default too
    assert settings.replace(data_dir=Path("other")).data_dir == tmp_path / "other"


def test_every_option_is_a_flag_of_the_same_name_and_a_readme_row() -> None:
    from app.cli import _parser
    from app.options import OPTIONS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    serve = _parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    flags = {flag for action in serve._actions for flag in action.option_strings}
    for option in OPTIONS:
        assert option.flag in flags
        assert f"`SPAWNIT_{option.name}`" in readme, f"README has no row for SPAWNIT_{option.name}"
    documented = set(re.findall(r"`SPAWNIT_([A-Z0-9_]+)`", readme))
    secrets = {"SECRET_KEY", "AWS_TARGET_ACCESS_KEY_ID", "AWS_TARGET_SECRET_ACCESS_KEY", "REDIS_URL"}
    secrets |= {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}  # the aws target's keys, by their new names
    assert documented - secrets <= {o.name for o in OPTIONS}, "README names settings SpawnIt does not read"


def test_a_flag_overrides_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from app.cli import _parser, settings_from

    monkeypatch.setenv("SPAWNIT_PORT", "9000")
    monkeypatch.setenv("SPAWNIT_DRIFT_MAX_PARALLEL", "3")
    args = _parser().parse_args(["serve", "--port", "9100", "--data-dir", str(tmp_path / "d")])
    settings = settings_from(args)
    assert (settings.port, settings.drift_max_parallel, settings.data_dir) == (9100, 3, tmp_path / "d")
    with pytest.raises(BadInput) as err:
        settings_from(_parser().parse_args(["serve", "--max-parallel-jobs", "lots"]))
    assert "SPAWNIT_MAX_PARALLEL_JOBS" in err.value.message


def test_shared_mode_needs_the_s3_store_and_a_role_needs_shared_mode() -> None:
    with pytest.raises(BadInput) as caught:
        Settings.from_env({"SPAWNIT_REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert caught.value.field == "redis_url" and "SPAWNIT_STORE=s3" in caught.value.message
    with pytest.raises(BadInput) as caught:
        Settings.from_env({"SPAWNIT_ROLE": "worker"})
    assert caught.value.field == "role" and "SPAWNIT_REDIS_URL" in caught.value.message
    shared = Settings.from_env(
        {"SPAWNIT_REDIS_URL": "redis://:hunter2@10.0.0.5:6379/0", "SPAWNIT_STORE": "s3", "SPAWNIT_S3_BUCKET": "b"}
        | {"SPAWNIT_ROLE": "api"}
    )
    assert shared.shared and shared.role == "api"
    assert "hunter2" not in repr(shared) and "hunter2" not in str(shared.redis_url)
    assert not Settings().shared and Settings().role == "all"


def test_the_aws_targets_settings_by_their_new_names_and_the_old_ones(tmp_path: Path) -> None:
    new = Settings.from_env(
        {
            "SPAWNIT_AWS_ACCESS_KEY_ID": "AKIANEW",
            "SPAWNIT_AWS_SECRET_ACCESS_KEY": "new-secret",
            "SPAWNIT_AWS_TARGET_ACCESS_KEY_ID": "AKIAOLD",
            "SPAWNIT_AWS_REGION": "eu-west-3",
            "SPAWNIT_AWS_TARGET_PROFILE": "old",
            "SPAWNIT_AWS_PROFILE": "new",
            "AWS_ACCESS_KEY_ID": "store-key",
        }
    )
    assert new.aws_target_access_key_id.reveal() == "AKIANEW"
    assert new.aws_target_secret_access_key.reveal() == "new-secret"
    assert new.aws_target_region == "eu-west-3" and new.aws_target_profile == "new"
    assert new.s3.access_key_id.reveal() == "store-key"  # the store's stay the store's
    old = Settings.from_env({"SPAWNIT_AWS_TARGET_ACCESS_KEY_ID": "AKIAOLD", "SPAWNIT_AWS_TARGET_PROFILE": "old"})
    assert old.aws_target_access_key_id.reveal() == "AKIAOLD" and old.aws_target_profile == "old"


def test_docker_publish_address_and_kubeconfig(tmp_path: Path) -> None:
    assert Settings.from_env({}).docker_publish_address == "0.0.0.0"
    assert Settings.from_env({"SPAWNIT_DOCKER_PUBLISH_ADDRESS": "127.0.0.1"}).docker_publish_address == "127.0.0.1"
    with pytest.raises(BadInput, match="SPAWNIT_DOCKER_PUBLISH_ADDRESS must be an IP address"):
        Settings.from_env({"SPAWNIT_DOCKER_PUBLISH_ADDRESS": "everywhere"})
    first, second = tmp_path / "a", tmp_path / "b"
    assert Settings.from_env({"KUBECONFIG": f"{first}:{second}"}).kubeconfig == first
    assert Settings.from_env({"KUBECONFIG": str(first), "SPAWNIT_KUBECONFIG": str(second)}).kubeconfig == second
    assert Settings.from_env({}).kubeconfig is None


@pytest.mark.parametrize("raw, expected", [("0", {0}), ("0-1", {0, 1}), (" 1 , 0 ", {0, 1}), ("", set())])
def test_engine_cpus_spellings(raw: str, expected: set[int]) -> None:
    settings = Settings.from_env({"SPAWNIT_ENGINE_CPUS": raw})
    assert settings.engine_cpus == expected and settings.engine_priority.cpus == expected


def test_engine_cpus_ranges_parse() -> None:
    assert parse_cpus("X", "0,2-4,7") == {0, 2, 3, 4, 7}
