"""graphql-transport-ws as `app.subscription_socket` keeps it: the handshake's rules hold
once the init-timeout task and the init parameters are let go. (Sockets sending the same
subscription text, which is interned, are test_member_updated's three surfaces.)"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import websockets

from app.auth import issue_token
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, running_app
from tests.e2e.conftest import serving

PROTOCOL = websockets.Subprotocol("graphql-transport-ws")
FOLLOW = "subscription($ref: MemberRef!) { memberUpdated(ref: $ref) { version cause { kind } } }"


async def opened(address: str) -> websockets.ClientConnection:
    return await websockets.connect(f"ws://{address}/graphql", subprotocols=[PROTOCOL])


async def send(socket: websockets.ClientConnection, message: dict[str, Any]) -> None:
    await socket.send(orjson.dumps(message).decode())


async def received(socket: websockets.ClientConnection) -> Any:
    return orjson.loads(await asyncio.wait_for(socket.recv(), 5))


async def close_code(socket: websockets.ClientConnection) -> int | None:
    try:
        while True:
            await asyncio.wait_for(socket.recv(), 5)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def initialised(address: str, token: str) -> websockets.ClientConnection:
    socket = await opened(address)
    await send(socket, {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    assert (await received(socket))["type"] == "connection_ack"
    return socket


async def test_a_socket_that_never_says_connection_init_is_closed_4408(
    clock: SettableClock,
) -> None:
    async with (
        running_app(clock, connection_init_timeout_seconds=0.3) as app,
        serving(app) as address,
    ):
        socket = await opened(address)

        assert await close_code(socket) == 4408


async def test_a_second_connection_init_is_refused_4429_and_the_wait_ends_with_the_first(
    clock: SettableClock,
) -> None:
    async with (
        running_app(clock, connection_init_timeout_seconds=0.3) as app,
        serving(app) as address,
    ):
        pos = issue_token(SECRET, Role.POS, store_id="store-001", now=clock.now())
        socket = await initialised(address, pos)
        await asyncio.sleep(0.6)  # past the init timeout: acknowledged, so still open
        await send(socket, {"type": "ping"})
        assert (await received(socket))["type"] == "pong"

        await send(socket, {"type": "connection_init", "payload": {}})

        assert await close_code(socket) == 4429
