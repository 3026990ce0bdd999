"""The baselines of `bench.realtime`'s memory figure: WebSockets held with no Tessera at all.

Run as `python -m bench.realtime_bare PORT --kind starlette|websockets`:
- `starlette`: a bare Starlette WebSocket endpoint on stock uvicorn (its default protocol,
  the websockets library's sans-I/O one; deflate off and pings as `tessera serve` has them):
  the stack Tessera runs on, with nothing of Tessera's;
- `websockets`: the websockets library's own asyncio server, deflate off: the library alone.

Each speaks just enough graphql-transport-ws for `bench.subscribers`: `connection_ack`,
then one `SNAPSHOT` for a subscription, then nothing. Prints `ready`; ends when its
standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from websockets.asyncio.server import ServerConnection, serve

from bench.server import HOST
from bench.subscribers import PROTOCOL, raise_open_files_limit

ACK = orjson.dumps({"type": "connection_ack"}).decode()


def answer(text: str) -> str | None:
    """The reply to one client message: an ack, a snapshot, or nothing."""
    message = orjson.loads(text)
    if message.get("type") == "connection_init":
        return ACK
    if message.get("type") == "subscribe":
        ref = message["payload"]["variables"]["ref"]
        update = {"version": 1, "cause": {"kind": "SNAPSHOT"}, "member": {"id": ref["id"]}}
        payload = {"data": {"memberUpdated": update}}
        return orjson.dumps({"id": message["id"], "type": "next", "payload": payload}).decode()
    return None


async def starlette_endpoint(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol=PROTOCOL)
    try:
        while True:
            reply = answer(await websocket.receive_text())
            if reply is not None:
                await websocket.send_text(reply)
    except WebSocketDisconnect:
        return


async def websockets_handler(connection: ServerConnection) -> None:
    async for text in connection:
        reply = answer(str(text))
        if reply is not None:
            await connection.send(reply)


async def run(args: argparse.Namespace) -> None:
    stop = asyncio.create_task(asyncio.to_thread(sys.stdin.buffer.read))
    if args.kind == "websockets":
        async with serve(
            websockets_handler,
            HOST,
            args.port,
            subprotocols=[PROTOCOL],
            compression=None,
            ping_interval=args.ping,
            ping_timeout=args.ping,
        ):
            print("ready", flush=True)
            await stop
        return
    app = Starlette(routes=[WebSocketRoute("/graphql", starlette_endpoint)])
    config = uvicorn.Config(
        app,
        host=HOST,
        port=args.port,
        log_level="warning",
        ws_per_message_deflate=False,
        ws_ping_interval=args.ping,
        ws_ping_timeout=args.ping,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    print("ready", flush=True)
    await stop
    server.should_exit = True
    await task


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.realtime_bare", description=__doc__)
    parser.add_argument("port", type=int)
    parser.add_argument("--kind", choices=("starlette", "websockets"), required=True)
    parser.add_argument("--ping", type=float, default=20.0, help="seconds between pings")
    args = parser.parse_args(argv)
    raise_open_files_limit()
    # The loop uvicorn picks (uvloop when installed), for both.
    loop_factory = uvicorn.Config(Starlette()).get_loop_factory()
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(run(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
