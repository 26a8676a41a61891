"""A newcomer's first deployment, exactly as the README tells it.

A fresh `git clone` of this repository in a temporary folder; the README's serve command,
as written, from the clone's root (default settings: relative `./spawnit-data`, the engine
found on PATH or the embedded one, auth off); the static site deployed over a real client,
served, destroyed. Nothing of the test's own settings reaches the server.
"""

from __future__ import annotations

import contextlib
import re
import shlex
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.api.client import Api
from tests.support import environment_without_settings, free_port, server_process

ROOT = Path(__file__).resolve().parents[2]
README_PORT = 8000  # the README's URL: http://127.0.0.1:8000/graphql


def readme_commands() -> tuple[str, str]:
    """The two set-up commands of the README's "Two commands" section, as written."""
    section = (ROOT / "README.md").read_text().split("## Two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^    (\S.*)$", section, flags=re.MULTILINE)
    assert len(commands) == 2, f"the README should keep exactly two set-up commands, found {commands}"
    return commands[0], commands[1]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh clone of the committed repository (what a newcomer gets)."""
    where = tmp_path_factory.mktemp("newcomer") / "spawnit"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(where)], check=True, timeout=120)
    return where


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def served_as_the_readme_says(clone: Path, log: Path, url: str) -> contextlib.AbstractContextManager[object]:
    """The README's serve command as written, from the clone's root, with no SPAWNIT_* or
    AWS_* variable of ours; waits until it answers (the first use installs the project)."""
    serve, _ = readme_commands()
    assert _port_free(README_PORT), f"port {README_PORT} is taken: the README's URL could not be served"
    env = {k: v for k, v in environment_without_settings().items() if not k.startswith("AWS_")}
    return server_process(shlex.split(serve), url, log, env=env, cwd=clone, timeout=600)


@pytest.mark.timeout(900)  # the first serve installs the project and builds GraphiQL
async def test_the_readme_serve_command_deploys_the_static_site(clone: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    url = f"http://127.0.0.1:{README_PORT}"
    with served_as_the_readme_says(clone, log, url):
        said = log.read_text()
        assert "AUTHENTICATION IS OFF" in said, "auth off must be said loudly at start-up"
        api = Api(url)

        me = await api.run("{ me { tenantId } catalog { id } }")
        assert "static-site" in [e["id"] for e in me["catalog"]]

        site_port = free_port()
        created = await api.create_site("Hello from a fresh clone", site_port, name="hello")
        applied = await api.mutate_job("applyService", created["id"])
        lines = [line["text"] async for line in _logs(api, applied["id"])]
        job = await api.wait_job(applied["id"])
        assert job["state"] == "SUCCEEDED", "\n".join(lines)
        assert not any("does not exist" in line for line in lines), "\n".join(lines)

        service = (await api.run("query($id: ID!) { service(id: $id) { status outputs } }", id=created["id"]))[
            "service"
        ]
        assert service["status"] == "DEPLOYED"
        endpoint = service["outputs"]["endpoint"]
        assert endpoint == f"http://127.0.0.1:{site_port}/"
        page = httpx.get(endpoint, timeout=10)
        assert page.status_code == 200 and "Hello from a fresh clone" in page.text

        # the data folder is the README's: relative to the clone, made absolute for the engine
        data = clone / "spawnit-data"
        assert (data / "engine" / "terraform.rc").is_file()
        assert list((data / "workdirs").rglob("terraform.tfvars.json")), "the work directory is under ./spawnit-data"

        destroyed = await api.mutate_job("destroyService", created["id"])
        assert (await api.wait_job(destroyed["id"]))["state"] == "SUCCEEDED"
        with pytest.raises(httpx.ConnectError):
            httpx.get(endpoint, timeout=5)


async def _logs(api: Api, job_id: str):  # type: ignore[no-untyped-def]
    async for item in api.subscribe(
        "subscription($id: ID!) { jobLogs(jobId: $id, fromLine: 0) { number text } }", id=job_id
    ):
        yield item["jobLogs"]
