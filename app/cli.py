"""The `tessera` command: serve the API, print tokens, export the schema."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app.auth import issue_token
from app.documents_cli import add_documents_command, run_documents
from app.settings import Settings, UnsafeProduction, refuse_unsafe_production
from domain.access import Role


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tessera", description="Tessera loyalty backend")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the GraphQL API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--program", type=Path, help="program file (TOML)")
    serve.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="load the demo members (default: on)",
    )

    worker = commands.add_parser(
        "worker", help="run the arq worker: journeys, dispatch, cron (needs TESSERA_REDIS_URL)"
    )
    worker.add_argument("--burst", action="store_true", help="run queued jobs, then exit")

    token = commands.add_parser("token", help="print a bearer token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--member", help="member id (member tokens)")
    token.add_argument("--store", help="store id (pos tokens)")
    token.add_argument("--partner", help="partner name (partner tokens)")
    token.add_argument("--ttl", type=int, default=86400, help="seconds the token is valid")
    token.add_argument(
        "--subject",
        help="who holds it, e.g. till-7 (default: the member, or role:store); connection "
        "caps and rate limits count per role and subject",
    )

    sdl = commands.add_parser("sdl", help="print the GraphQL schema (SDL)")
    sdl.add_argument(
        "--write",
        action="store_true",
        help="write schema/schema.graphql and schema/possible-types.json (Apollo's possibleTypes)",
    )

    add_documents_command(commands)

    args = parser.parse_args(argv)
    if args.command == "documents":
        return run_documents(parser, args)
    if args.command == "serve":
        try:
            return _serve(args)
        except (ValueError, OSError) as exc:  # bad program file, settings, port; production
            parser.exit(2, f"tessera: cannot start: {exc}\n")
    if args.command == "worker":
        return _worker(parser, args.burst)
    if args.command == "token":
        settings = Settings()
        try:
            print(
                issue_token(
                    settings.secret.get_secret_value(),
                    Role(args.role),
                    args.member,
                    args.store,
                    args.ttl,
                    args.subject,
                    key_id=settings.token_key_id,
                    partner=args.partner,
                )
            )
        except ValueError as exc:
            parser.error(str(exc))
        return 0
    from app.execution.assembly import POSSIBLE_TYPES_PATH, SDL_PATH, possible_types
    from app.execution.assembly import sdl as schema_sdl

    text = schema_sdl()
    if args.write:
        SDL_PATH.write_text(text)
        POSSIBLE_TYPES_PATH.write_text(possible_types())
    else:
        sys.stdout.write(text)
    return 0


def shown_url(url: str) -> str:
    """A URL as printed: without its user and password (terminals and logs are not secret)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port is not None else ""
    return urlunsplit(parts._replace(netloc=f"***@{host}{port}"))


def _worker(parser: argparse.ArgumentParser, burst: bool) -> int:
    from app.logs import configure_logging
    from app.metrics import expose_worker_metrics
    from app.worker import options_for, run

    settings = Settings()
    if not settings.redis_url:
        parser.exit(2, "tessera: the worker needs TESSERA_REDIS_URL (its job queue)\n")
    if not settings.mongodb_url:
        # The embedded store lives in one process: a worker beside `tessera serve` would
        # see an empty database of its own. Without Redis, serve runs the jobs itself.
        parser.exit(2, "tessera: the worker needs TESSERA_MONGODB_URL (shared with serve)\n")
    try:
        refuse_unsafe_production(settings)
    except UnsafeProduction as exc:
        parser.exit(2, f"tessera: cannot start: {exc}\n")
    configure_logging(settings.log_level, settings.log_format)
    options = options_for(settings, burst)
    if settings.worker_metrics_port is not None:
        expose_worker_metrics(settings, options)
    print(f"Tessera worker: jobs from {shown_url(settings.redis_url)}", flush=True)
    run(options, burst)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from app.banner import banner
    from app.factory import create_app
    from app.logs import configure_logging
    from app.server import serve

    overrides = {
        key: value
        for key, value in {
            "host": args.host,
            "port": args.port,
            "program": args.program,
            "demo": args.demo,
        }.items()
        if value is not None
    }
    settings = Settings(**overrides)
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    print(banner(settings, app.state.tessera.program.name), flush=True)
    serve(app, settings, log_level=settings.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
