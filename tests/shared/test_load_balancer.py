"""compose.yaml's load balancer for real: nginx (Debian's) with infra/nginx/spawnit.conf,
its upstreams pointed at two real `spawnit serve --role api` replicas sharing redis-server
and moto with a `spawnit worker`.
Through its one port: HTTP and the websocket upgrade work; kill -9 of one replica and
requests still answer, and subscribers that reconnect through the same port with
`fromLine` get every line once."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.client import Api
from tests.redis_support import RedisServer
from tests.shared.cluster import ROLES, api_replica, chatty_apply, cluster, job_host, printed
from tests.shared.test_cross_replica import LINES, assert_whole, follow, until
from tests.support import free_port, start_server_process, stop_server_process

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "infra" / "nginx" / "spawnit.conf"


@contextlib.contextmanager
def nginx(tmp: Path, port: int, upstreams: list[int]) -> Iterator[str]:
    """nginx in the foreground with the deployment's server block, on loopback `port`."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        pytest.skip("nginx is not installed (.ci/run installs it)")
    text = CONF.read_text().replace("listen 8000;", f"listen 127.0.0.1:{port};")
    text = text.replace("api-a:8000", f"127.0.0.1:{upstreams[0]}").replace("api-b:8000", f"127.0.0.1:{upstreams[1]}")
    assert text.count("127.0.0.1:") == 3, "the server block's upstreams or port changed"
    (tmp / "spawnit.conf").write_text(text)
    temp = "".join(
        f"  {kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/error.log warn;\n"
        f"events {{ worker_connections 512; }}\nhttp {{\n  access_log off;\n{temp}  include {tmp}/spawnit.conf;\n}}\n"
    )
    url = f"http://127.0.0.1:{port}"
    argv = [binary, "-e", str(tmp / "error.log"), "-p", str(tmp), "-c", str(tmp / "nginx.conf")]
    proc = start_server_process(argv, url, tmp / "nginx.out", env={}, timeout=60)
    try:
        yield url
    finally:
        stop_server_process(proc, grace=10)


async def test_one_port_in_front_of_two_replicas_survives_the_death_of_one(
    tmp_path: Path, redis_server: RedisServer, moto_server: str
) -> None:
    lb_port = free_port()
    allowed = {"SPAWNIT_ALLOWED_HOSTS": f"127.0.0.1:{lb_port}"}  # the name clients use: the balancer's
    with cluster(tmp_path, redis_server.url, moto_server) as c:
        a, b = api_replica(c, "a", **allowed), api_replica(c, "b", **allowed)
        host = job_host(c)
        (tmp_path / "lb").mkdir()
        with nginx(tmp_path / "lb", lb_port, [a.port, b.port]) as url:
            api = Api(url)
            gate = tmp_path / "gate"
            # with roles through the balancer (any replica queues it); else where it runs
            job = await chatty_apply(api if ROLES else host.api, LINES, 100, gate)
            subs: list[tuple[list[dict[str, Any]], asyncio.Event]] = [([], asyncio.Event()) for _ in range(4)]
            tasks = [asyncio.create_task(follow(api, job["id"], 0, got, seen)) for got, seen in subs]
            for _, seen in subs:
                await asyncio.wait_for(seen.wait(), 120)  # upgraded through nginx, round-robin over A and B
            assert (await api.job(job["id"]))["state"] == "RUNNING"
            gate.touch()
            await until(lambda: all(len(printed(got)) >= 30 for got, _ in subs), "30 printed lines on each")
            a.kill()
            for _ in range(4):  # the balancer skips the dead replica: every request answers
                assert (await api.job(job["id"]))["id"] == job["id"]
            # those on A lose their socket; those on B follow the job to its end
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 180)
            cut = [len(printed(got)) < LINES for got, _ in subs]
            assert any(cut), "no subscriber was on the killed replica"
            resumed = [
                asyncio.create_task(follow(api, job["id"], got[-1]["number"] + 1, got, asyncio.Event()))
                for (got, _), was_cut in zip(subs, cut, strict=True)
                if was_cut
            ]
            await asyncio.wait_for(asyncio.gather(*resumed), 180)
            stored = await b.api.logs(job["id"])
            for got, _ in subs:
                assert_whole(got, stored)
