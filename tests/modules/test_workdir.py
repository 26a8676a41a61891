"""The exact work directory SpawnIt runs, for one service per target: the module laid in
by `lay_out`, the backend block of `backend_for`, the variables of `render`. The engine
validates the `local` one (its provider comes from SpawnIt's filesystem mirror); the
docker and aws ones, whose providers no registry can bring here, load through the
engine's loader with their backend block, every variable declared."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.catalog.render import render
from app.catalog.validate import validate_update
from app.engine.backend import backend_for
from app.engine.workdir import BACKEND_FILE, TFVARS_FILE, lay_out
from app.localtarget.install import cli_config_text, install_provider
from app.settings import S3Settings, Settings
from app.storage.folder import FolderStore
from tests.modules.contract import ROOT, module_dir
from tests.modules.tfconfig import engine, engine_env, load

TENANT = "6a0e5b8e-2f1c-4d3b-9a7e-1c2d3e4f5a6b"
SERVICE = "9d8c7b6a-5f4e-4d3c-8b2a-19f0e1d2c3b4"
CASES = {  # target -> (catalog entry, form values)
    "local": ("postgresql", {"port": 25432, "password": "pw-for-the-test"}),
    "docker": ("static-site", {"title": "Hello"}),
    "aws": ("minecraft", {"accept_eula": True}),
}


def settings_for(target: str, tmp_path: Path) -> Settings:
    if target == "local":
        return Settings(data_dir=tmp_path / "data")  # the folder store: a local backend
    s3 = S3Settings(bucket="spawnit", endpoint="http://127.0.0.1:9000", region="us-east-1")
    return Settings(data_dir=tmp_path / "data", store="s3", s3=s3)


def laid_out(target: str, tmp_path: Path) -> tuple[Path, Settings, dict]:
    entry_id, form = CASES[target]
    catalog = asyncio.run(load_catalog(FolderStore(tmp_path / "seed"), ROOT / "catalog"))
    entry = catalog.get(entry_id)
    tfvars = render(entry, target, validate_update(entry, {}, form), {"service_id": SERVICE, "service_name": "svc"})
    settings = settings_for(target, tmp_path)
    workdir = settings.workdirs / TENANT / SERVICE
    lay_out(workdir, module_dir(target), backend_for(settings, TENANT, SERVICE), tfvars)
    return workdir, settings, tfvars


@pytest.mark.parametrize("target", ["local", "docker", "aws"])
def test_the_work_directory_is_the_module_plus_backend_plus_variables(target: str, tmp_path: Path):
    workdir, settings, tfvars = laid_out(target, tmp_path)
    module_files = sorted(p.name for p in module_dir(target).glob("*.tf"))
    assert sorted(p.name for p in workdir.glob("*.tf")) == sorted([*module_files, BACKEND_FILE])
    assert json.loads((workdir / TFVARS_FILE).read_text()) == tfvars
    loaded = load(workdir)
    assert loaded.problems() == [] and loaded.unknown_references() == []
    assert loaded.backend == ("local" if settings.store == "folder" else "s3")
    assert set(tfvars) <= set(loaded.variables)
    assert "pw-for-the-test" not in (workdir / TFVARS_FILE).read_text()  # secrets are not in the file


def test_the_engine_validates_the_local_work_directory(tmp_path: Path):
    workdir, settings, _ = laid_out("local", tmp_path)
    mirror = settings.engine_dir / "mirror"
    install_provider(mirror)
    cli_config = settings.engine_dir / "terraform.rc"
    cli_config.write_text(cli_config_text(mirror, settings.engine_dir / "plugin-cache"))
    (settings.engine_dir / "plugin-cache").mkdir(exist_ok=True)
    env = engine_env(cli_config)
    init = engine("init", "-backend=false", "-input=false", "-no-color", cwd=workdir, env=env)
    assert init.returncode == 0, init.stdout + init.stderr
    validate = engine("validate", "-json", "-no-color", cwd=workdir, env=env)
    result = json.loads(validate.stdout)
    assert validate.returncode == 0 and result["valid"], validate.stdout + validate.stderr
    assert result["error_count"] == 0 and result["warning_count"] == 0, result["diagnostics"]
