"""graphql-transport-ws as `app.subscription_socket` keeps it: the handshake's rules hold
once the init-timeout task and the init parameters are let go. (Sockets sending the same
subscription text, which is interned, are test_member_updated's three surfaces.)"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
import websockets

from app.auth import issue_token
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, Api, running_app
from tests.e2e.conftest import serving
from tests.e2e.test_sse_and_backpressure import sse_events
from tests.integration.graphql import PURCHASE, by_id, purchase

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


CARD = """subscription($ref: MemberRef!) { memberUpdated(ref: $ref) { version
  cause { kind channel storeId entryId tierChange { previous { code } current { code } upgrade } }
  member { id version balance tier { code } history(first: 3) { edges { node { kind points } } } }
} }"""


async def test_a_pushed_update_is_the_streamed_one_byte_for_byte(http_api: Api, live: str) -> None:
    """memberUpdated over a WebSocket is pushed once its snapshot is sent (no task while
    idle); over SSE Strawberry still streams it. The same change reads the same."""
    variables = {"ref": by_id("mbr_demo_ben")}
    headers = {"authorization": f"Bearer {http_api.pos}", "accept": "text/event-stream"}
    socket = await initialised(live, http_api.pos)
    async with (
        httpx.AsyncClient(base_url=f"http://{live}", timeout=10) as client,
        client.stream(
            "POST", "/graphql", json={"query": CARD, "variables": variables}, headers=headers
        ) as response,
    ):
        events = sse_events(response)
        await send(
            socket,
            {"id": "1", "type": "subscribe", "payload": {"query": CARD, "variables": variables}},
        )
        async with asyncio.timeout(5):
            streamed = [(await anext(events))[1]]
            pushed = [(await received(socket))["payload"]]
            await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "bytes-1", "250.00"))
            streamed.append((await anext(events))[1])
            pushed.append((await received(socket))["payload"])
    await socket.close()

    assert [orjson.dumps(p).decode() for p in pushed] == streamed
    assert [orjson.loads(s)["data"]["memberUpdated"]["cause"]["kind"] for s in streamed] == [
        "SNAPSHOT",
        "EARNED",
    ]


async def test_idle_pushed_subscriptions_hold_no_task_and_complete_frees_the_id(
    http_api: Api, live: str
) -> None:
    variables = {"ref": by_id("mbr_demo_ben")}
    socket = await initialised(live, http_api.pos)
    before = len(asyncio.all_tasks())
    for number in range(10):
        payload = {"query": FOLLOW, "variables": variables}
        await send(socket, {"id": str(number), "type": "subscribe", "payload": payload})
        assert (await received(socket))["payload"]["data"]["memberUpdated"]["cause"] == {
            "kind": "SNAPSHOT"
        }
    await asyncio.sleep(0.1)  # each operation's task has ended with its snapshot
    assert len(asyncio.all_tasks()) <= before  # (another may have ended meanwhile)

    for number in range(1, 10):
        await send(socket, {"id": str(number), "type": "complete"})
    await send(
        socket,
        {"id": "1", "type": "subscribe", "payload": {"query": FOLLOW, "variables": variables}},
    )
    assert (await received(socket))["id"] == "1"  # the id is free again: no 4409
    await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "idle-1", "10.00"))
    got = sorted([(await received(socket))["id"], (await received(socket))["id"]])
    assert got == ["0", "1"]  # the completed ones are gone from the feed
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(socket.recv(), 0.3)
    await socket.close()
