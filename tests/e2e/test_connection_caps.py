"""Live connections are capped per verified caller, however the header is spelled, over
WebSockets and SSE alike, and across instances when they share Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import orjson
import pytest
import websockets

from tests.conftest import Api
from tests.e2e.test_redis_fanout import instances  # noqa: F401  (fixture)
from tests.e2e.test_sse_and_backpressure import SSE_UPDATES

CAP = 10  # the default max_connections_per_token
SPELLINGS = ["Bearer {}", "bearer {}", "BEARER  {}", "Bearer   {}  ", "bEaReR {}"]


@asynccontextmanager
async def socket(live: str, header: str) -> AsyncIterator[websockets.ClientConnection]:
    """A graphql-transport-ws connection, acknowledged (or closed by the server)."""
    async with websockets.connect(
        f"ws://{live}/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as connection:
        init = {"type": "connection_init", "payload": {"authorization": header}}
        await connection.send(orjson.dumps(init).decode())
        yield connection


async def acknowledged(connection: websockets.ClientConnection) -> bool:
    try:
        reply = orjson.loads(await asyncio.wait_for(connection.recv(), 5))
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 4403
        return False
    return bool(reply["type"] == "connection_ack")


async def test_respelling_bearer_does_not_make_a_new_caller(http_api: Api, live: str) -> None:
    token = http_api.token("pos", store="store-001")
    async with AsyncExitStack() as stack:
        answers = []
        for n in range(CAP + 5):
            header = SPELLINGS[n % len(SPELLINGS)].format(token)
            connection = await stack.enter_async_context(socket(live, header))
            answers.append(await acknowledged(connection))

    assert answers == [True] * CAP + [False] * 5


# Server-Sent Events (graphql-sse), and Apollo's multipart subscriptions as HttpLink asks
STREAMS = ["text/event-stream", "multipart/mixed;boundary=graphql;subscriptionSpec=1.0"]


@pytest.mark.parametrize("accept", STREAMS, ids=["sse", "multipart"])
async def test_streams_count_against_the_same_cap(http_api: Api, live: str, accept: str) -> None:
    token = http_api.token("pos", store="store-001")
    headers = {"authorization": f"Bearer {token}", "accept": accept}
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            httpx.AsyncClient(base_url=f"http://{live}", timeout=10)
        )
        statuses = []
        for _ in range(CAP):
            stream = client.stream("POST", "/graphql", json={"query": SSE_UPDATES}, headers=headers)
            statuses.append((await stack.enter_async_context(stream)).status_code)
        refused = await client.post("/graphql", json={"query": SSE_UPDATES}, headers=headers)
        websocket = await stack.enter_async_context(socket(live, f"Bearer {token}"))
        websocket_admitted = await acknowledged(websocket)
        other_store = await client.post(
            "/graphql",
            json={"query": "{ program { name } }"},
            headers={"authorization": f"Bearer {http_api.pos}"},
        )

    assert statuses == [200] * CAP
    assert refused.status_code == 429
    assert "too many connections" in refused.json()["errors"][0]["message"]
    assert websocket_admitted is False
    assert other_store.status_code == 200


async def test_a_closed_connection_frees_its_place(http_api: Api, live: str) -> None:
    token = http_api.token("callcenter")
    async with AsyncExitStack() as stack:
        for _ in range(CAP):
            assert await acknowledged(
                await stack.enter_async_context(socket(live, f"Bearer {token}"))
            )
    await asyncio.sleep(0.1)
    async with socket(live, f"Bearer {token}") as again:
        assert await acknowledged(again)


async def test_the_cap_holds_across_instances_sharing_redis(
    instances: list[tuple[str, Api]],  # noqa: F811
) -> None:
    (a_address, a), (b_address, _) = instances
    token = a.token("pos", store="store-001")
    async with AsyncExitStack() as stack:
        answers = []
        for n in range(CAP + 2):
            address = a_address if n % 2 else b_address
            connection = await stack.enter_async_context(socket(address, f"Bearer {token}"))
            answers.append(await acknowledged(connection))

    assert answers == [True] * CAP + [False] * 2


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_every_spelling_is_still_accepted(http_api: Api, spelling: str) -> None:
    response = await http_api.http.post(
        "/graphql",
        json={"query": "{ program { name } }"},
        headers={"authorization": spelling.format(http_api.pos).rstrip()},  # h11: no trailing
    )

    assert response.json() == {"data": {"program": {"name": "Tessera Demo Rewards"}}}
