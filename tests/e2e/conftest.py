"""A real uvicorn server around the test app, and real WebSocket clients for it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from gql import Client
from gql.client import AsyncClientSession
from gql.transport.websockets import WebsocketsTransport


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve an app whose lifespan the caller runs; yields host:port."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serving(app) as address:
        yield address


@asynccontextmanager
async def subscriber(
    address: str, token: str | None, **extra: Any
) -> AsyncIterator[AsyncClientSession]:
    """A graphql-transport-ws session, as the graphql-ws JS client and Apollo speak it."""
    transport = WebsocketsTransport(
        url=f"ws://{address}/graphql",
        init_payload={"authorization": f"Bearer {token}"} if token else {},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        **extra,
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session
