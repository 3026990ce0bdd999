"""A real uvicorn server around the test app, and real WebSocket clients for it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from gql import Client
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport

from app.websocket_protocol import LeanWebSocketProtocol
from tests.conftest import Api
from tests.e2e.redis_server import RedisServer


@asynccontextmanager
async def serving(app: FastAPI, send_buffer: int | None = None) -> AsyncIterator[str]:
    """Serve an app whose lifespan the caller runs; yields host:port.

    `send_buffer` shrinks the kernel's send buffer of every accepted socket, as a slow link
    would: loopback otherwise absorbs megabytes before a sender feels any backpressure.
    """
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if send_buffer is not None:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    # `tessera serve`'s WebSocket protocol, but not its frame size limit (`ws_max_size`):
    # the app's own 1009 check is the one tested on this server.
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        ws=LeanWebSocketProtocol,
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serving(app) as address:
        yield address


@pytest.fixture
async def http_api(api: Api, live: str) -> AsyncIterator[Api]:
    """The test API, but over HTTP to the live server."""
    async with httpx.AsyncClient(base_url=f"http://{live}") as http:
        yield Api(http, api.tessera)


@asynccontextmanager
async def subscriber(
    address: str, token: str | None, **extra: Any
) -> AsyncIterator[AsyncClientSession]:
    """A graphql-transport-ws session, as the graphql-ws JS client and Apollo speak it.

    On leaving, gql waits up to `close_timeout` for every subscription to be read to its end;
    a test that stops reading one mid-stream would wait the whole default of 10 s, for
    nothing the server does (this protocol's `complete` is only queued locally).
    """
    extra.setdefault("close_timeout", 0.5)
    transport = WebsocketsTransport(
        url=f"ws://{address}/graphql",
        init_payload={"authorization": f"Bearer {token}"} if token else {},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        **extra,
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session


@pytest.fixture
async def redis() -> AsyncIterator[RedisServer]:
    """A real redis-server on a free port; tests may stop and start it."""
    server = RedisServer()
    await server.start()
    yield server
    server.stop()
