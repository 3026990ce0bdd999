"""The server of `bench.store_scale`: the product app on one uvicorn, its store seeded first.

`python -m bench.store_scale_server PORT --members N --secret S`, on the store the
environment names (TESSERA_MONGODB_URL, as `bench.stores` sets it; unset: mongomock, which
lives in this process, hence the seeding here). Prints `seeded N members in S s`, then
`ready` once the port is open; stops when its standard input is closed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn
from pydantic import SecretStr

from app.factory import create_app
from app.settings import Settings
from bench.seed import seed_members
from bench.server import HOST, UNTHROTTLED

CRON_OFF = 365 * 24 * 3600.0  # seconds: the runner's first look comes after the run


async def serve(args: argparse.Namespace) -> None:
    settings = Settings(
        secret=SecretStr(args.secret),
        demo=False,
        # The cron runner's sweeps over every member are a benchmark of their own (their
        # first churn pass over 50,000 members began inside the sustained run and took the
        # CPU); the outbox relay's timer and the purchases' own jobs still run.
        cron_interval_seconds=CRON_OFF if args.cron_off else Settings().cron_interval_seconds,
        **UNTHROTTLED,  # type: ignore[arg-type]
    )
    app = create_app(settings)
    seconds = await seed_members(app.state.tessera, args.members)
    print(f"seeded {args.members} members in {seconds:.1f} s", flush=True)
    async with app.router.lifespan_context(app):  # indexes, outbox sweep, cron and relay tasks
        config = uvicorn.Config(
            app, host=HOST, port=args.port, lifespan="off", log_level="warning", access_log=False
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
                raise SystemExit(f"the server on port {args.port} stopped at start-up")
            await asyncio.sleep(0.01)
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.buffer.read)  # until the benchmark closes it
        server.should_exit = True
        await task


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.store_scale_server", description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--cron-off", action="store_true", help="no cron job runs")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # The loop `tessera serve` gets from uvicorn.run (uvloop when installed).
    loop_factory = uvicorn.Config(lambda: None).get_loop_factory()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
