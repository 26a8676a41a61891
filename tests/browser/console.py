"""What the console's browser tests share: a real `spawnit serve` process, Debian's chromium
with every request off 127.0.0.1 refused, screenshots in light and dark, and the process of a
local service found by the port it listens on."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, WebSocket, async_playwright
from playwright.async_api import Route as BrowserRoute

from app.console import CONSOLE, is_built
from tests.api.client import Api
from tests.browser.test_graphiql import ARGS, CHROMIUM, need_chromium
from tests.support import environment_without_settings, free_port, server_process, spawnit_serve, stop_leftovers

ROOT = Path(__file__).resolve().parents[2]
# CI keeps this folder as an artifact (README, "The console"); git ignores it
SCREENSHOTS = Path(os.environ.get("CONSOLE_SCREENSHOTS", ROOT / "tests" / "browser" / "screenshots"))
WAIT_MS = 120_000  # a generous bound on one page step on a loaded machine, never a synchronisation


@dataclass
class Served:
    url: str
    data_dir: Path
    api: Api
    pid: int  # the `spawnit serve` process: the engines it runs are its children


@contextlib.contextmanager
def spawnit_served(tmp_path: Path, *flags: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """`spawnit serve` as its own process (the embedded engine, a data folder of the test's)."""
    port = free_port()
    data = tmp_path / "data"
    argv = spawnit_serve(port, "--data-dir", str(data), "--engine", "embedded", *flags)
    url = f"http://127.0.0.1:{port}"
    environ = {**environment_without_settings(), **(env or {})}
    try:
        with server_process(argv, url, tmp_path / "serve.log", env=environ, cwd=ROOT) as process:
            yield Served(url, data, Api(url), process.pid)
    finally:
        # a local service's processes run in sessions of their own: what a test left running
        # (or the sandbox around a process it killed by hand) goes with the test
        stop_leftovers(data / "run")


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    need_chromium()
    assert is_built(CONSOLE), f"the console is not built in {CONSOLE}: run scripts/bootstrap"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Tab:
    """A page of a context that refuses every request off the host; what it saw."""

    context: BrowserContext
    page: Page
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sockets: list[WebSocket] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # websocket frames the page sent
    received: list[str] = field(default_factory=list)

    async def shoot(self, name: str, full: bool = True) -> None:
        """`<name>-light.png` and `<name>-dark.png`, the theme switched by the console's own toggle
        (`full`: the whole page, else the window)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        html = self.page.locator("html")
        themes = []
        for _ in range(2):
            theme = await html.get_attribute("data-theme")
            themes.append(theme)
            await self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{theme}.png"), full_page=full)
            await self.page.get_by_test_id("theme-toggle").click()
        assert sorted(themes) == ["dark", "light"], f"the theme toggle went {themes}"  # type: ignore[type-var]


async def open_tab(
    browser: Browser, url: str, *, width: int = 1280, height: int = 900, scheme: Literal["light", "dark"] = "light"
) -> Tab:
    """A new context (no stored theme: the system's `scheme` decides) with one page at `url`."""
    context = await browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    tab = Tab(context, await context.new_page())

    async def only_the_host(route: BrowserRoute) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            tab.refused.append(route.request.url)
            await route.abort()

    def on_socket(socket: WebSocket) -> None:
        tab.sockets.append(socket)
        socket.on("framesent", lambda frame: tab.sent.append(str(frame)))
        socket.on("framereceived", lambda frame: tab.received.append(str(frame)))

    await context.route("**/*", only_the_host)
    tab.page.on("websocket", on_socket)
    tab.page.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
    tab.page.on("pageerror", lambda e: tab.errors.append(f"{e.name}: {e.message}"))
    await tab.page.goto(url)
    return tab


def listener_pid(port: int) -> int:
    """The pid of the process listening on 127.0.0.1:`port` (from /proc/net/tcp and the fds)."""
    wanted = f"0100007F:{port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1] == wanted and parts[3] == "0A":  # LISTEN
            inodes.add(f"socket:[{parts[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return int(proc.name)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


SECRET_TEMPLATE = {
    "fields": [
        {"name": "port", "type": "integer", "default": 8080, "min": 1024, "max": 65535, "description": "Port."},
        {"name": "motto", "type": "string", "default": "hello", "max": 100, "description": "A motto."},
        {
            "name": "token",
            "type": "string",
            "sensitive": True,
            "generate": True,
            "default": "",
            "max": 64,
            "description": "A secret; left empty, SpawnIt generates one.",
        },
    ],
    "targets": {
        "local": {
            "requires": ["python3"],
            "variables": {
                "image": "",
                "command": ["python3", "-m", "http.server", "{{port}}", "--bind", "127.0.0.1"],
                "ports": ["{{port}}"],
                "env": {"TOKEN": "${token}"},
                "files": {"index.html": "<h1>{{motto}}</h1>"},
                "endpoint_scheme": "http",
            },
        }
    },
}


def with_secret_entry(tmp_path: Path) -> Path:
    """A copy of the shipped catalog with a `secret-site` entry (a sensitive, generated field)."""
    folder = tmp_path / "catalog"
    shutil.copytree(ROOT / "catalog", folder)
    catalog = json.loads((folder / "catalog.json").read_text())
    entry = {"id": "secret-site", "name": "Secret site", "description": "Keeps a token.", "template": "secret-site"}
    catalog["entries"].append(entry)
    (folder / "catalog.json").write_text(json.dumps(catalog))
    (folder / "templates" / "secret-site.template.tfvars.json").write_text(json.dumps(SECRET_TEMPLATE))
    return folder
