"""Rate limits, the cost limit and read timeouts, over real sockets: a flood is answered 429
with Retry-After, an expensive query is refused before it runs, and a slow or silent client
cannot hold a connection."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from mongomock_motor import AsyncMongoMockClient

from app.auth import issue_token
from app.factory import create_app
from app.settings import Settings
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, running_app
from tests.demo_programs import NO_HOLD
from tests.e2e.conftest import serving
from tests.e2e.net import free_port
from tests.e2e.redis_server import RedisServer
from tests.integration.graphql import MEMBER_FIELDS

TESSERA = Path(sys.executable).with_name("tessera")
PROGRAM = "{ program { name } }"
FORGED = issue_token("another-secret-that-is-long-enough-for-hs256", Role.ADMIN)


async def live_app(clock: SettableClock, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_app(clock, **settings) as app,
        serving(app) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=20) as client,
    ):
        yield client


@pytest.fixture
async def strict(clock: SettableClock) -> AsyncIterator[httpx.AsyncClient]:
    """A live server with small limits: 5 requests a second per caller, 10 at once."""
    async for client in live_app(
        clock, rate_limit_requests_per_second=5, rate_limit_burst=10, body_timeout_seconds=1
    ):
        yield client


async def clear_of_a_window_edge(window: float, needed: float) -> None:
    """Wait until the next `needed` seconds hold no edge of the limits' windows.

    The sliding window counter (`app/rate_limits.py`) counts in windows aligned to the clock
    and carries a weighted share of the last window across each edge, so a flood that
    straddles an edge may see one or two more requests admitted than the limit (README,
    "Counted by caller"). A flood within one window is counted exactly."""
    left = window - time.time() % window
    if left < needed:
        await asyncio.sleep(left + 0.05)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_forged_tokens_from_one_address_are_throttled(strict: httpx.AsyncClient) -> None:
    admin = issue_token(SECRET, Role.ADMIN)
    await clear_of_a_window_edge(60, needed=5)  # 20 a minute, below
    await strict.post("/graphql", json={"query": PROGRAM}, headers=bearer(admin))  # known

    answers = [
        await strict.post("/graphql", json={"query": PROGRAM}, headers=bearer(FORGED))
        for _ in range(25)
    ]
    known = await strict.post("/graphql", json={"query": PROGRAM}, headers=bearer(admin))
    fresh = await strict.post(
        "/graphql",
        json={"query": PROGRAM},
        headers=bearer(issue_token(SECRET, Role.POS, None, "s")),
    )

    assert [a.status_code for a in answers] == [200] * 20 + [429] * 5  # default 20 a minute
    assert answers[0].json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert "too many requests" in answers[-1].json()["errors"][0]["message"]
    assert known.status_code == 200  # a token verified before still gets in
    assert fresh.status_code == 429  # a new one waits: its signature is not checked for now


async def test_one_caller_gets_its_burst_and_others_are_not_slowed(
    strict: httpx.AsyncClient,
) -> None:
    pos = issue_token(SECRET, Role.POS, None, "store-001")
    other = issue_token(SECRET, Role.CALLCENTER)
    await clear_of_a_window_edge(2, needed=2)  # a window of 10 / 5 a second

    burst = await asyncio.gather(
        *(strict.post("/graphql", json={"query": PROGRAM}, headers=bearer(pos)) for _ in range(15))
    )
    bystander = await strict.post("/graphql", json={"query": PROGRAM}, headers=bearer(other))

    statuses = sorted(r.status_code for r in burst)
    assert statuses == [200] * 10 + [429] * 5
    refused = next(r for r in burst if r.status_code == 429)
    assert 1 <= int(refused.headers["retry-after"]) <= 2
    assert bystander.status_code == 200


async def test_a_websocket_handshake_counts_and_is_refused_429(strict: httpx.AsyncClient) -> None:
    address = str(strict.base_url).removeprefix("http://").rstrip("/")
    await clear_of_a_window_edge(2, needed=2)
    for _ in range(10):  # the address's anonymous burst, spent
        await strict.post("/graphql", json={"query": PROGRAM})

    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            f"ws://{address}/graphql",
            subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        )

    assert refused.value.response.status_code == 429


async def test_the_limits_are_shared_by_instances_on_one_redis(redis: RedisServer) -> None:
    client: Any = AsyncMongoMockClient(tz_aware=True)
    token = issue_token(SECRET, Role.POS, None, "store-001")
    async with AsyncExitStack() as stack:
        addresses = []
        for demo in (True, False):
            settings = Settings(
                secret=SECRET,  # type: ignore[arg-type]
                demo=demo,
                redis_url=redis.url,
                rate_limit_requests_per_second=5,
                rate_limit_burst=10,
                program=NO_HOLD,
            )
            app = create_app(settings, client=client)
            await stack.enter_async_context(app.router.lifespan_context(app))
            addresses.append(await stack.enter_async_context(serving(app)))
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=20))
        await clear_of_a_window_edge(2, needed=2)
        answers = await asyncio.gather(
            *(
                http.post(
                    f"http://{addresses[n % 2]}/graphql",
                    json={"query": PROGRAM},
                    headers=bearer(token),
                )
                for n in range(16)
            )
        )

    assert sorted(a.status_code for a in answers) == [200] * 10 + [429] * 6


async def test_an_expensive_operation_is_refused_before_it_runs(
    strict: httpx.AsyncClient,
) -> None:
    history = "history(first: 100) { edges { node { id kind points reason createdAt } } }"
    aliases = " ".join(
        f'm{n}: member(ref: {{id: "mbr_demo_ada"}}) {{ {history} }}' for n in range(28)
    )
    admin = bearer(issue_token(SECRET, Role.ADMIN))
    view = f'{{ member(ref: {{id: "mbr_demo_ada"}}) {{ {MEMBER_FIELDS} {history} }} }}'

    costly = await strict.post("/graphql", json={"query": f"{{ {aliases} }}"}, headers=admin)
    ordinary = await strict.post("/graphql", json={"query": view}, headers=admin)

    error = costly.json()["errors"][0]
    assert costly.json()["data"] is None
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 10_000
    assert "errors" not in ordinary.json()


async def test_a_body_that_never_arrives_gets_408(strict: httpx.AsyncClient) -> None:
    host, port = str(strict.base_url).removeprefix("http://").rstrip("/").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b'content-length: 100\r\n\r\n{"query":'
    )
    await writer.drain()

    head = await asyncio.wait_for(reader.read(200), 5)
    writer.close()

    assert head.startswith(b"HTTP/1.1 408")


async def test_serve_closes_connections_that_never_finish_their_headers() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TESSERA_")}
    env.update(TESSERA_HEADER_TIMEOUT_SECONDS="1", TESSERA_SECRET=SECRET)
    process = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "serve",
        "--port",
        str(port),
        "--no-demo",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            async with asyncio.timeout(30):
                while True:
                    try:
                        if (await client.get("/healthz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
            sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
            for s in sockets:
                s.sendall(b"POST /graphql HTTP/1.1\r\nhost: x\r\n")  # and nothing more
                s.settimeout(5)
            meanwhile = await client.get("/healthz")
            await asyncio.sleep(2)
            closed = sum(s.recv(10) == b"" for s in sockets)
            for s in sockets:
                s.close()
    finally:
        process.terminate()
        await process.wait()

    assert meanwhile.status_code == 200
    assert closed == 100
