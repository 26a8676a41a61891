"""The `spawnit` command: `spawnit serve` and `spawnit schema`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app.errors import SpawnItError
from app.settings import Settings

log = logging.getLogger("spawnit")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spawnit", description="SpawnIt: infrastructure as code for everyone")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (settings from SPAWNIT_* variables, overridden by flags)")
    serve.add_argument("--host", help="address to bind (SPAWNIT_HOST)")
    serve.add_argument("--port", type=int, help="port to bind (SPAWNIT_PORT)")
    serve.add_argument("--data-dir", type=Path, help="local store and work directories (SPAWNIT_DATA_DIR)")
    serve.add_argument("--store", choices=["folder", "s3"], help="SPAWNIT_STORE")
    serve.add_argument("--s3-bucket", help="SPAWNIT_S3_BUCKET")
    serve.add_argument("--s3-endpoint", help="SPAWNIT_S3_ENDPOINT")
    serve.add_argument("--s3-region", help="SPAWNIT_S3_REGION")
    serve.add_argument("--engine", choices=["auto", "tofu", "terraform", "embedded"], help="SPAWNIT_ENGINE")
    serve.add_argument("--max-parallel-jobs", type=int, help="SPAWNIT_MAX_PARALLEL_JOBS")
    serve.add_argument("--cancel-grace-seconds", type=float, help="SPAWNIT_CANCEL_GRACE_SECONDS")
    serve.add_argument("--log-level", default="info")
    schema = sub.add_parser("schema", help="print the GraphQL SDL")
    schema.add_argument("--output", type=Path, help="write to this file instead of stdout")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    s3 = settings.s3
    s3_changes = {
        k: v
        for k, v in {"bucket": args.s3_bucket, "endpoint": args.s3_endpoint, "region": args.s3_region}.items()
        if v is not None
    }
    if s3_changes:
        import dataclasses

        s3 = dataclasses.replace(s3, **s3_changes)
    changes = {
        "host": args.host,
        "port": args.port,
        "data_dir": args.data_dir,
        "store": args.store,
        "engine": args.engine,
        "max_parallel_jobs": args.max_parallel_jobs,
        "cancel_grace_seconds": args.cancel_grace_seconds,
    }
    settings = settings.replace(s3=s3, **{k: v for k, v in changes.items() if v is not None})
    settings.check()
    return settings


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        from schema import build_schema

        sdl = build_schema().as_str() + "\n"
        if args.output:
            args.output.write_text(sdl)
        else:
            sys.stdout.write(sdl)
        return 0
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from(args)
    except SpawnItError as exc:
        print(f"spawnit: {exc.message}", file=sys.stderr)
        return 2
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
        create_app(settings), host=settings.host, port=settings.port, log_level=args.log_level, ws="websockets-sansio"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
