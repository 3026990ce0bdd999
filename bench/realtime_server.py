"""The servers under test for `bench.realtime`: one or two Tessera instances in one process.

Run as `python -m bench.realtime_server --secret S --deflate on|off [--redis URL] PORT...`.
Two instances share one embedded store, which cannot be shared across processes, so both
run here on one event loop: each its own app, Redis connection and uvicorn server on its
own port, as `tests/e2e/test_redis_fanout.py` does. Prints `ready` once every instance
serves (and hears Redis); shuts down when its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack
from typing import Any

import uvicorn
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient
from pydantic import SecretStr

from app.factory import create_app
from app.server import websocket_options
from app.settings import Settings
from bench.server import HOST, UNTHROTTLED
from bench.subscribers import raise_open_files_limit


def settings_of(args: argparse.Namespace) -> Settings:
    return Settings(
        secret=SecretStr(args.secret),
        demo=False,
        redis_url=args.redis,
        host=HOST,
        **UNTHROTTLED,  # type: ignore[arg-type]
    )


def config(app: FastAPI, settings: Settings, port: int, deflate: bool) -> uvicorn.Config:
    """What `tessera serve` passes to uvicorn, but for the port and deflate."""
    return uvicorn.Config(
        app,
        host=HOST,
        port=port,
        lifespan="off",  # run below, so that it starts before the port opens
        log_level="warning",
        access_log=False,
        **{**websocket_options(settings), "ws_per_message_deflate": deflate},
    )


async def serve(args: argparse.Namespace) -> None:
    client: Any = AsyncMongoMockClient(tz_aware=True)
    async with AsyncExitStack() as stack:
        servers: list[uvicorn.Server] = []
        tasks: list[asyncio.Task[None]] = []
        for port in args.ports:
            settings = settings_of(args)
            app = create_app(settings, client=client)
            await stack.enter_async_context(app.router.lifespan_context(app))
            redis_bus = app.state.tessera.redis_bus
            if redis_bus is not None:
                await asyncio.wait_for(redis_bus.connected.wait(), 10)
            server = uvicorn.Server(config(app, settings, port, args.deflate == "on"))
            servers.append(server)
            tasks.append(asyncio.create_task(server.serve()))
            while not server.started:
                if tasks[-1].done():
                    await tasks[-1]  # raises what stopped it (a port in use, say)
                    raise SystemExit(f"the server on port {port} stopped at start-up")
                await asyncio.sleep(0.01)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.buffer.read)  # until the benchmark closes it
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.realtime_server", description=__doc__)
    parser.add_argument("ports", type=int, nargs="+")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--redis", help="redis URL; required for two instances")
    parser.add_argument("--deflate", choices=("on", "off"), default="on")
    args = parser.parse_args(argv)
    if len(args.ports) > 1 and not args.redis:
        parser.error("two instances need --redis")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    raise_open_files_limit()
    # The loop `tessera serve` gets from uvicorn.run (uvloop when installed).
    loop_factory = config(FastAPI(), settings_of(args), 0, True).get_loop_factory()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
