"""SIGTERM drains: `tessera serve` closes each WebSocket with 1012, ends each SSE stream,
finishes the requests in flight and exits 0 within its grace period; `tessera worker`
stops the arq way and exits 0. Real processes, real sockets."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import time

import httpx
import orjson
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from tests.e2e.net import free_port
from tests.e2e.redis_server import RedisServer
from tests.e2e.served import SECRET, TESSERA, Served, tessera_serve

GRACE = 4.0
MARGIN = 3.0  # the app's own shutdown and the interpreter's exit
FOLLOW = 'subscription Follow { memberUpdated(ref: {id: "mbr_demo_ben"}) { version } }'


async def websocket_following_ben(served: Served) -> ClientConnection:
    socket = await websockets.connect(
        f"ws://127.0.0.1:{served.port}/graphql",
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
    )
    auth = {"authorization": f"Bearer {served.tokens['pos']}"}
    await socket.send(orjson.dumps({"type": "connection_init", "payload": auth}).decode())
    assert orjson.loads(await socket.recv())["type"] == "connection_ack"
    subscribe = {"id": "1", "type": "subscribe", "payload": {"query": FOLLOW}}
    await socket.send(orjson.dumps(subscribe).decode())
    assert orjson.loads(await socket.recv())["type"] == "next"  # the snapshot
    return socket


async def half_sent_request(
    served: Served,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    """A POST whose headers and half its body are sent; the rest is returned."""
    body = orjson.dumps({"query": "query InFlight { program { name } }"})
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    head = (
        f"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {served.tokens['pos']}\r\ncontent-length: {len(body)}\r\n\r\n"
    ).encode()
    writer.write(head + body[:10])
    await writer.drain()
    return reader, writer, body[10:]


async def test_sigterm_closes_websockets_ends_streams_finishes_requests_and_exits_0() -> None:
    env = {"TESSERA_SHUTDOWN_GRACE_SECONDS": str(GRACE)}
    async with tessera_serve(**env) as served, httpx.AsyncClient(timeout=30) as http:
        # given a WebSocket subscription, an SSE stream and a request still being sent
        socket = await websocket_following_ben(served)
        headers = {"authorization": f"Bearer {served.tokens['pos']}", "accept": "text/event-stream"}
        async with http.stream(
            "POST", f"{served.url}/graphql", json={"query": FOLLOW}, headers=headers
        ) as stream:
            lines = stream.aiter_lines()
            assert await anext(lines) == "event: next"
            reader, writer, rest = await half_sent_request(served)
            await asyncio.sleep(0.2)

            # when the server is told to stop
            started = time.monotonic()
            served.process.send_signal(signal.SIGTERM)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                async with asyncio.timeout(GRACE):
                    await socket.recv()
            async with asyncio.timeout(GRACE):
                rest_of_stream = [line async for line in lines]
            writer.write(rest)  # the request in flight gets its body now, after SIGTERM
            await writer.drain()
            async with asyncio.timeout(GRACE):
                answer = await reader.read()
            writer.close()
            code = await asyncio.wait_for(served.process.wait(), GRACE + MARGIN)
            elapsed = time.monotonic() - started

    # then the WebSocket was closed as a restart, which clients retry
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        1012,
        "server restarting: reconnect",
    )
    # the SSE stream ended without `complete` (graphql-sse clients then reconnect)
    assert "event: complete" not in rest_of_stream
    assert ": server restarting: reconnect" in rest_of_stream
    # the request in flight was answered in full
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert json.loads(body) == {"data": {"program": {"name": "Tessera Demo Rewards"}}}
    # and the process exited 0 in time, saying so in its logs
    assert code == 0
    assert elapsed < GRACE + MARGIN
    access = {line["request_id"]: line for line in served.access()}
    assert any(line.get("close_code") == 1012 for line in access.values())
    assert any(line.get("operation") == "InFlight" for line in access.values())


async def test_sigterm_with_nothing_open_exits_0_at_once() -> None:
    async with tessera_serve() as served:
        started = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(served.process.wait(), 10)

    assert code == 0
    assert time.monotonic() - started < MARGIN


async def test_the_worker_serves_metrics_and_stops_on_sigterm(
    redis: RedisServer, mongodb_url: str
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TESSERA_SECRET": SECRET,
        "TESSERA_REDIS_URL": redis.url,
        "TESSERA_MONGODB_URL": mongodb_url,
        "TESSERA_MONGODB_DATABASE": f"tessera_test_{secrets.token_hex(4)}",
        "TESSERA_WORKER_METRICS_PORT": str(port),
        "TESSERA_SHUTDOWN_GRACE_SECONDS": "2",
    }
    process = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient() as http, asyncio.timeout(30):
            while True:  # the outbox gauges appear once arq's start-up built the instance
                try:
                    metrics = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
                    if "tessera_outbox_backlog_items" in metrics:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 2 + MARGIN + 5)
        elapsed = time.monotonic() - started
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    assert "# TYPE tessera_job_duration_seconds histogram" in metrics
    assert process.returncode == 0
    assert elapsed < 2 + MARGIN + 5
    logs = [json.loads(line) for line in err.decode().splitlines()]
    assert any("shutdown on SIGTERM" in line["message"] for line in logs)
