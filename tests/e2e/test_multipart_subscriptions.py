"""Subscriptions over Apollo's multipart HTTP protocol (`Accept: multipart/mixed;
subscriptionSpec=1.0`), as a connection like a WebSocket or an SSE stream: the same
updates, the same access line, ended on SIGTERM with a transport error (its connection cap:
tests/e2e/test_connection_caps.py). Apollo Client itself runs against it in
tests/e2e/test_apollo_live_cache.py."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import Api
from tests.e2e.served import tessera_serve
from tests.e2e.test_sse_and_backpressure import SSE_UPDATES
from tests.integration.graphql import PURCHASE, by_id, purchase

# What Apollo Client's HttpLink sends for a subscription.
MULTIPART = "multipart/mixed;boundary=graphql;subscriptionSpec=1.0,application/json"


async def parts(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Each JSON part of the stream, heartbeats (`{}`) left out."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while (end := buffer.find(b"\r\n--graphql")) >= 0:
            part, buffer = buffer[:end], buffer[end + len(b"\r\n--graphql") :]
            _, _, body = part.partition(b"\r\n\r\n")
            if body.strip() and (message := orjson.loads(body)):
                yield message


async def test_a_member_is_followed_over_multipart_http(
    http_api: Api, live: str, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"authorization": f"Bearer {http_api.pos}", "accept": MULTIPART}
    caplog.set_level(logging.INFO, "tessera.access")
    async with (
        httpx.AsyncClient(base_url=f"http://{live}", timeout=10) as client,
        client.stream("POST", "/graphql", json={"query": SSE_UPDATES}, headers=headers) as response,
    ):
        messages = parts(response)
        async with asyncio.timeout(10):
            snapshot = await anext(messages)
            await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "multipart-1", "5.00"))
            earned = await anext(messages)
    await asyncio.sleep(0.1)  # the access line is written once the stream has ended

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/mixed;boundary=graphql")
    assert snapshot["payload"]["data"]["memberUpdated"]["cause"]["kind"] == "SNAPSHOT"
    update = earned["payload"]["data"]["memberUpdated"]
    assert (update["cause"]["kind"], update["member"]["balance"]) == ("EARNED", 325)
    [line] = [r for r in caplog.records if getattr(r, "transport", None) == "multipart"]
    assert getattr(line, "operation", None) == "memberUpdated"


async def test_a_refused_subscription_ends_the_stream_with_its_error(live: str) -> None:
    async with (
        httpx.AsyncClient(base_url=f"http://{live}", timeout=10) as client,
        client.stream(
            "POST", "/graphql", json={"query": SSE_UPDATES}, headers={"accept": MULTIPART}
        ) as response,
    ):
        async with asyncio.timeout(10):
            messages = [message async for message in parts(response)]

    assert response.status_code == 200
    [refused] = messages
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sigterm_ends_a_multipart_subscription_with_a_transport_error() -> None:
    async with tessera_serve() as served, httpx.AsyncClient(timeout=30) as http:
        headers = {"authorization": f"Bearer {served.tokens['pos']}", "accept": MULTIPART}
        received, signalled = b"", False
        async with http.stream(
            "POST", f"{served.url}/graphql", json={"query": SSE_UPDATES}, headers=headers
        ) as stream:
            async with asyncio.timeout(10):
                async for chunk in stream.aiter_bytes():
                    received += chunk
                    if b"SNAPSHOT" in received and not signalled:
                        served.process.send_signal(signal.SIGTERM)
                        signalled = True
        code = await asyncio.wait_for(served.process.wait(), 10)

    # The stream's last part is a transport error (a null payload with errors), which
    # Apollo Client reports, so that the app subscribes again; then the closing boundary.
    *_, last, end = received.split(b"\r\n--graphql")
    assert orjson.loads(last.partition(b"\r\n\r\n")[2]) == {
        "payload": None,
        "errors": [{"message": "server restarting: reconnect"}],
    }
    assert end == b"--\r\n"
    assert code == 0
