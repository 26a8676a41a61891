"""SpawnIt's data folder (keys, sealed records, state, saved plans, work directories, the
local services' folders) is readable by SpawnIt alone: after real deployments over the
API, no file or folder under it grants anything to group or others."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.api.client import Api
from tests.conftest import free_port
from tests.server import Running


def too_open(root: Path) -> list[str]:
    """Every file and folder under `root` (itself included, symlinks skipped) that group or others may use."""
    found = []
    for folder, dirs, files in os.walk(root):
        for path in [Path(folder)] + [Path(folder) / n for n in files + dirs]:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                found.append(f"{oct(mode & 0o777)} {path.relative_to(root.parent)}")
    return sorted(set(found))


async def test_nothing_under_the_data_dir_is_readable_by_others(spawnit: Running, api: Api) -> None:
    data = spawnit.settings.data_dir
    site = await api.create_site("private", free_port())
    plan = await api.wait_job((await api.mutate_job("planService", site["id"]))["id"])
    assert plan["state"] == "SUCCEEDED"
    applied = await api.wait_job((await api.mutate_job("applyService", site["id"], planJobId=plan["id"]))["id"])
    assert applied["state"] == "SUCCEEDED"
    redis = await api.run(
        "mutation($i: CreateServiceInput!) { createService(input: $i) { id } }",
        i={"catalogEntryId": "redis", "target": "local", "name": "r", "variables": {"port": free_port()}},
    )
    sealed = await api.wait_job((await api.mutate_job("planService", redis["createService"]["id"]))["id"])
    assert sealed["state"] == "SUCCEEDED"
    try:
        assert (data / "secret.key").stat().st_mode & 0o777 == 0o600
        assert data.stat().st_mode & 0o777 == 0o700
        files = sum(len(f) for _, _, f in os.walk(data))
        assert files > 20  # store records, state, a plan, work directories, the running site's folder
        assert too_open(data) == []
    finally:
        done = await api.wait_job((await api.mutate_job("destroyService", site["id"]))["id"])
        assert done["state"] == "SUCCEEDED"
