"""The per-service work directory and the backend SpawnIt writes into it."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import pytest

from app.engine import workdir as wd
from app.engine.backend import CREDENTIALS_FILE, STORE_PROFILE, Backend, backend_for, state_path
from app.errors import BadInput
from app.settings import S3Settings, Secret, Settings

TENANT = str(uuid.UUID(int=1))
SERVICE = str(uuid.UUID(int=2))
KEY_ID = "AKIA-test-key-id-4711"
SECRET_KEY = "s3cr3t-key-do-not-leak-0815"


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text('resource "terraform_data" "a" {}\n')
    (module / "variables.tf").write_text('variable "name" { type = string }\n')
    (module / "README.md").write_text("not a module file\n")
    return module


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return backend_for(Settings(store="folder", data_dir=tmp_path / "data"), TENANT, SERVICE)


@pytest.fixture
def workdir(tmp_path: Path, module_dir: Path, backend: Backend) -> Path:
    work = tmp_path / "work"
    wd.lay_out(work, module_dir, backend, {"name": "demo"})
    return work


def s3_settings(tmp_path: Path, **changes: object) -> Settings:
    s3 = S3Settings(
        bucket="the-bucket",
        region="eu-west-3",
        access_key_id=Secret(KEY_ID),
        secret_access_key=Secret(SECRET_KEY),
    )
    return Settings(store="s3", data_dir=tmp_path, s3=dataclasses.replace(s3, **changes))


# -- lay_out -----------------------------------------------------------------------------


def test_lay_out_copies_the_module_and_writes_backend_and_variables(
    workdir: Path, module_dir: Path, backend: Backend
) -> None:
    assert sorted(p.name for p in workdir.glob("*.tf")) == ["main.tf", wd.BACKEND_FILE, "variables.tf"]
    assert (workdir / "main.tf").read_bytes() == (module_dir / "main.tf").read_bytes()
    assert (workdir / wd.BACKEND_FILE).read_text() == backend.block()
    assert 'backend "local" {}' in backend.block()
    assert json.loads((workdir / wd.TFVARS_FILE).read_text()) == {"name": "demo"}
    assert not (workdir / "README.md").exists()
    assert (workdir / wd.PLANS).is_dir()


def test_lay_out_removes_stale_tf_files_and_keeps_the_rest(workdir: Path, module_dir: Path, backend: Backend) -> None:
    (workdir / "old.tf").write_text("# from a previous module\n")
    (workdir / ".terraform").mkdir()
    (workdir / wd.LOCK_FILE).write_text("# lock\n")
    (module_dir / "variables.tf").unlink()

    wd.lay_out(workdir, module_dir, backend, {"name": "other"})

    assert sorted(p.name for p in workdir.glob("*.tf")) == ["main.tf", wd.BACKEND_FILE]
    assert (workdir / ".terraform").is_dir() and (workdir / wd.LOCK_FILE).exists()
    assert json.loads((workdir / wd.TFVARS_FILE).read_text()) == {"name": "other"}


def test_lay_out_updates_a_changed_module_file(workdir: Path, module_dir: Path, backend: Backend) -> None:
    (module_dir / "main.tf").write_text('resource "terraform_data" "b" {}\n')
    wd.lay_out(workdir, module_dir, backend, {"name": "demo"})
    assert (workdir / "main.tf").read_text() == 'resource "terraform_data" "b" {}\n'
    assert not list(workdir.glob("*.tmp"))


# -- init hash ----------------------------------------------------------------------------


def _hash(workdir: Path, backend: Backend, engine: str = "embedded", cli: str = "fp") -> str:
    return wd.init_hash(workdir, backend, engine, cli)


def test_init_hash_is_stable_when_nothing_that_matters_changed(
    workdir: Path, module_dir: Path, backend: Backend
) -> None:
    before = _hash(workdir, backend)
    wd.lay_out(workdir, module_dir, backend, {"name": "new variables do not need init"})
    (workdir / wd.PLANS / "x.tfplan").write_bytes(b"plan")
    assert _hash(workdir, backend) == before


def test_init_hash_follows_a_module_file(workdir: Path, module_dir: Path, backend: Backend) -> None:
    before = _hash(workdir, backend)
    (module_dir / "main.tf").write_text('resource "terraform_data" "z" {}\n')
    wd.lay_out(workdir, module_dir, backend, {"name": "demo"})
    assert _hash(workdir, backend) != before


def test_init_hash_follows_the_lock_file(workdir: Path, backend: Backend) -> None:
    without = _hash(workdir, backend)
    (workdir / wd.LOCK_FILE).write_text('provider "a" { version = "1.0.0" }\n')
    with_lock = _hash(workdir, backend)
    (workdir / wd.LOCK_FILE).write_text('provider "a" { version = "1.0.1" }\n')
    assert len({without, with_lock, _hash(workdir, backend)}) == 3


def test_init_hash_follows_the_backend_config(workdir: Path, backend: Backend, tmp_path: Path) -> None:
    other = backend_for(Settings(store="folder", data_dir=tmp_path / "elsewhere"), TENANT, SERVICE)
    assert _hash(workdir, other) != _hash(workdir, backend)


def test_init_hash_follows_the_engine(workdir: Path, backend: Backend) -> None:
    assert _hash(workdir, backend, engine="tofu") != _hash(workdir, backend, engine="embedded")
    assert _hash(workdir, backend, cli="fp\nplugin_cache_dir") != _hash(workdir, backend, cli="fp")


def test_needs_init_until_marked_then_again_after_forget(workdir: Path, backend: Backend) -> None:
    (workdir / ".terraform").mkdir()
    current = _hash(workdir, backend)
    assert wd.needs_init(workdir, current)
    wd.mark_initialized(workdir, current)
    assert not wd.needs_init(workdir, current)
    assert wd.needs_init(workdir, _hash(workdir, backend, engine="tofu"))
    wd.forget_init(workdir)
    assert wd.needs_init(workdir, current)
    wd.forget_init(workdir)  # forgetting twice is fine


def test_plan_file_is_under_plans(workdir: Path) -> None:
    job = str(uuid.uuid4())
    assert wd.plan_file(workdir, job) == workdir / wd.PLANS / f"{job}.tfplan"


# -- backend_for --------------------------------------------------------------------------


def test_folder_store_is_a_local_backend_at_the_services_state_in_the_store(tmp_path: Path) -> None:
    settings = Settings(store="folder", data_dir=tmp_path)
    backend = backend_for(settings, TENANT, SERVICE)
    path = Path(dict(backend.config)["path"])
    assert backend.kind == "local" and backend.env == {}
    assert path == tmp_path.resolve() / "store" / "clients" / TENANT / SERVICE / "terraform.tfstate"
    assert (
        state_path(settings, TENANT, SERVICE) == settings.store_dir / "clients" / TENANT / SERVICE / "terraform.tfstate"
    )


def test_folder_backend_path_is_absolute_even_for_a_relative_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    backend = backend_for(Settings(store="folder", data_dir=Path("rel")), TENANT, SERVICE)
    path = Path(dict(backend.config)["path"])
    assert path.is_absolute() and path.is_relative_to(tmp_path.resolve() / "rel" / "store")


def test_s3_backend_config(tmp_path: Path) -> None:
    backend = backend_for(s3_settings(tmp_path, endpoint="http://127.0.0.1:9000", path_style=True), TENANT, SERVICE)
    config = dict(backend.config)
    assert backend.kind == "s3"
    assert 'backend "s3" {}' in backend.block()
    assert config["bucket"] == "the-bucket"
    assert config["key"] == f"clients/{TENANT}/{SERVICE}/terraform.tfstate"
    assert config["region"] == "eu-west-3"
    assert config["use_lockfile"] == "true"
    assert config["endpoints"] == '{s3="http://127.0.0.1:9000"}'
    assert config["use_path_style"] == "true"
    assert f"-backend-config=key=clients/{TENANT}/{SERVICE}/terraform.tfstate" in backend.init_args()


def test_s3_backend_without_endpoint_or_path_style(tmp_path: Path) -> None:
    config = dict(backend_for(s3_settings(tmp_path, endpoint=None, path_style=False), TENANT, SERVICE).config)
    assert "endpoints" not in config and "use_path_style" not in config


def test_s3_credentials_travel_only_in_the_backends_own_file(tmp_path: Path) -> None:
    """Not in the engine's environment, where the aws target's provider would read them."""
    settings = s3_settings(tmp_path, endpoint="http://127.0.0.1:9000")
    backend = backend_for(settings, TENANT, SERVICE)
    assert dict(backend.env) == {}
    config = dict(backend.config)
    path = settings.workdirs.resolve() / TENANT / SERVICE / CREDENTIALS_FILE
    assert config["shared_credentials_files"] == f'["{path}"]' and config["profile"] == STORE_PROFILE
    assert backend.credentials == (
        f"[{STORE_PROFILE}]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET_KEY}\n"
    )
    assert KEY_ID not in repr(backend) and SECRET_KEY not in repr(backend)
    visible = "\n".join([*backend.init_args(), *(f"{k}={v}" for k, v in backend.config), backend.block()])
    assert KEY_ID not in visible and SECRET_KEY not in visible


def test_s3_without_credentials_sets_none(tmp_path: Path) -> None:
    settings = s3_settings(tmp_path, access_key_id=Secret(""), secret_access_key=Secret(""))
    backend = backend_for(settings, TENANT, SERVICE)
    assert dict(backend.env) == {} and backend.credentials == ""
    assert "profile" not in dict(backend.config) and "shared_credentials_files" not in dict(backend.config)


def test_workdir_holds_the_credentials_only_in_their_0600_file_while_an_engine_runs(
    tmp_path: Path, module_dir: Path
) -> None:
    backend = backend_for(s3_settings(tmp_path, endpoint="http://127.0.0.1:9000"), TENANT, SERVICE)
    work = tmp_path / "work"

    def holding() -> list[str]:
        return [p.name for p in work.rglob("*") if p.is_file() and SECRET_KEY.encode() in p.read_bytes()]

    wd.lay_out(work, module_dir, backend, {"name": "demo"})
    assert holding() == []
    with wd.credentials_in(work, backend):  # a job's engine
        assert holding() == [CREDENTIALS_FILE]
        assert (work / CREDENTIALS_FILE).stat().st_mode & 0o777 == 0o600
        with wd.credentials_in(work, backend):  # a graph drawn meanwhile
            pass
        assert holding() == [CREDENTIALS_FILE], "the job's engine still needs them"
    on_disk = b"".join(p.read_bytes() for p in work.rglob("*") if p.is_file())
    assert SECRET_KEY.encode() not in on_disk and KEY_ID.encode() not in on_disk


def test_backend_for_rejects_ids_that_are_not_uuids(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        backend_for(Settings(store="folder", data_dir=tmp_path), "../../etc", SERVICE)
