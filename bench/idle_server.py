"""The servers `bench.idle` leaves idle, each a process of its own.

`python -m bench.idle_server PORT --members N`: what `tessera serve` runs (settings from
TESSERA_*, logging, `create_app`, `app.server.serve` with its uvicorn options), on the
embedded store, with N members seeded into that store first (`bench.seeding`): the embedded
store lives in the server's process, so no other process can fill it.

`python -m bench.idle_server PORT --bare`: the baseline, a bare Starlette app answering
/healthz on uvicorn with the same event loop and HTTP parser, and nothing else.
"""

from __future__ import annotations

import argparse
import asyncio

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from app.factory import create_app
from app.logs import configure_logging
from app.server import serve
from app.settings import Settings
from bench.seeding import seed_members
from bench.server import HOST


async def _ok(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def bare(port: int) -> None:
    app = Starlette(routes=[Route("/healthz", _ok), Route("/readyz", _ok)])
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


def tessera(port: int, members: int) -> None:
    settings = Settings(host=HOST, port=port)  # type: ignore[call-arg]
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    tessera = app.state.tessera
    # mongomock keeps plain objects: what this loop writes, the server's loop reads.
    asyncio.run(seed_members(tessera.collections, tessera.program, members, tessera.clock.now()))
    serve(app, settings, log_level=settings.log_level)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.idle_server", description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--members", type=int, default=0)
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args()
    if args.bare:
        bare(args.port)
    else:
        tessera(args.port, args.members)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
