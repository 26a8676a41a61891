"""The `spawnit` command: `spawnit serve`, `spawnit worker` and `spawnit schema`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app import logformat
from app.errors import SpawnItError
from app.options import OPTIONS
from app.settings import Settings

log = logging.getLogger("spawnit")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spawnit", description="SpawnIt: infrastructure as code for everyone")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (settings from SPAWNIT_* variables, overridden by flags)")
    worker = sub.add_parser(
        "worker", help="run jobs and drift checks from the shared queue (SPAWNIT_ROLE=worker; /healthz, /readyz only)"
    )
    for command in (serve, worker):
        for option in OPTIONS:
            if command is worker and option.name == "ROLE":
                continue
            command.add_argument(
                option.flag, dest=option.name, metavar="VALUE", help=f"{option.help} (SPAWNIT_{option.name})"
            )
        command.add_argument("--log-level", default="info")
    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.add_argument("--output", type=Path, help="write to this file instead of stdout")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """The environment's settings, with the flags given on the command line over them."""
    given = {o.name: getattr(args, o.name) for o in OPTIONS if getattr(args, o.name, None) is not None}
    if args.command == "worker":
        given["ROLE"] = "worker"
    return Settings.from_env().with_values(given)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        from schema.root import build_schema

        sdl = build_schema().as_str() + "\n"
        if args.output:
            args.output.write_text(sdl)
        else:
            sys.stdout.write(sdl)
        return 0
    logformat.setup(args.log_level, "text")
    try:
        settings = settings_from(args)
    except SpawnItError as exc:
        print(f"spawnit: {exc.message}", file=sys.stderr)
        return 2
    logformat.setup(args.log_level, settings.log_format)
    if not settings.auth_enabled:
        if settings.host not in ("127.0.0.1", "localhost", "::1"):
            log.warning("authentication is OFF: binding to 127.0.0.1 instead of %s", settings.host)
            settings = settings.replace(host="127.0.0.1")
        log.warning(
            "AUTHENTICATION IS OFF: every caller is the single local tenant. SpawnIt listens on loopback only (%s:%d).",
            settings.host,
            settings.port,
        )
    import uvicorn

    from app.main import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        log_config=logformat.uvicorn_config(),  # uvicorn's lines go through SpawnIt's format
        ws="websockets-sansio",
        ws_max_size=settings.ws_message_limit,  # larger messages close the socket (1009) unread
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
