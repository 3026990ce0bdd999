"""Malformed requests over real HTTP and WebSocket: a clear 4xx (or close code) every time,
never a 500 and never a traceback in the log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
import websockets

from tests.conftest import Api

TWO_OPERATIONS = "query A { program { name } } query B { program { currency } }"
STORE_ACTIVITY = 'subscription { storeActivity(storeId: "store-001") { kind } }'


@pytest.fixture
async def http(live: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://{live}", timeout=10) as client:
        yield client


@pytest.mark.parametrize(
    "body",
    [b'"x"', b"1", b"null", b"true", b"\xff\xfe{\x00", b"[" * 5000 + b"]" * 5000, b"{not json"],
)
async def test_a_body_that_is_not_a_request_gets_a_graphql_400(
    http: httpx.AsyncClient, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["message"]
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_strawberrys_own_refusals_are_graphql_error_bodies(http: httpx.AsyncClient) -> None:
    batch = await http.post("/graphql", json=[{"query": "{ program { name } }"}])
    text = await http.post("/graphql", content=b"{}", headers={"content-type": "text/plain"})

    for response in (batch, text):
        assert response.status_code == 400
        assert response.json()["errors"][0]["message"]


async def test_two_operations_need_an_operation_name(http_api: Api) -> None:
    unnamed = await http_api.raw(TWO_OPERATIONS, token=http_api.admin)
    named = await http_api.http.post(
        "/graphql",
        json={"query": TWO_OPERATIONS, "operationName": "B"},
        headers={"authorization": f"Bearer {http_api.admin}"},
    )

    assert unnamed["data"] is None
    assert unnamed["errors"][0]["message"].startswith("Must provide operation name")
    assert named.json() == {"data": {"program": {"currency": "EUR"}}}


async def test_a_subscription_over_plain_http_is_a_clear_400(
    http_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await http_api.http.post(
            "/graphql",
            json={"query": STORE_ACTIVITY},
            headers={"authorization": f"Bearer {http_api.admin}"},
        )

    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "subscriptions are not allowed" in message and "WebSocket" in message
    assert not [r for r in caplog.records if r.exc_info]


async def connected(live: str, token: str) -> websockets.ClientConnection:
    socket = await websockets.connect(
        f"ws://{live}/graphql",
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        max_size=None,
    )
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await socket.send(orjson.dumps(init).decode())
    assert orjson.loads(await socket.recv())["type"] == "connection_ack"
    return socket


async def test_deeply_nested_json_on_a_websocket_closes_it_4400(http_api: Api, live: str) -> None:
    socket = await connected(live, http_api.pos)

    await socket.send("[" * 5000 + "]" * 5000)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 5)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4400 and closed.value.rcvd.reason


@pytest.mark.parametrize("before_init", [True, False])
async def test_a_websocket_message_over_the_limit_closes_it_1009(
    http_api: Api, live: str, before_init: bool
) -> None:
    huge = orjson.dumps({"type": "subscribe", "id": "1", "payload": {"query": "x" * 70_000}})
    if before_init:
        socket = await websockets.connect(
            f"ws://{live}/graphql",
            subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
            max_size=None,
        )
        huge = orjson.dumps({"type": "connection_init", "payload": {"pad": "x" * 70_000}})
    else:
        socket = await connected(live, http_api.pos)

    await socket.send(huge.decode())
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 5)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
