"""With a MongoDB shared by processes (FerretDB, see tests/ferretdb.py), the cross-instance
test runs as two real `tessera serve` processes (test_redis_fanout.py covers the embedded
store in one process)."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.auth import issue_token
from domain.access import Role
from tests.conftest import SECRET
from tests.demo_programs import NO_HOLD
from tests.e2e.conftest import subscriber
from tests.e2e.net import free_port
from tests.e2e.redis_server import RedisServer
from tests.e2e.test_member_updated import follow, next_of
from tests.integration.graphql import PURCHASE, by_id, purchase

TESSERA = Path(sys.executable).with_name("tessera")


async def start(port: int, env: dict[str, str], demo: bool) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        str(TESSERA),
        "serve",
        "--port",
        str(port),
        "--demo" if demo else "--no-demo",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    async with httpx.AsyncClient() as client, asyncio.timeout(30):
        while True:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return process
            except httpx.TransportError:
                await asyncio.sleep(0.1)


@pytest.fixture
async def processes(mongodb_url: str) -> AsyncIterator[tuple[int, int]]:
    redis = RedisServer()
    await redis.start()
    database = f"tessera_test_{secrets.token_hex(4)}"
    env = {
        **os.environ,
        "TESSERA_SECRET": SECRET,
        "TESSERA_REDIS_URL": redis.url,
        "TESSERA_MONGODB_URL": mongodb_url,
        "TESSERA_MONGODB_DATABASE": database,
        "TESSERA_PROGRAM": str(NO_HOLD),  # a purchase is spendable at once, as the test reads
    }
    ports = (free_port(), free_port())
    first = await start(ports[0], env, demo=True)
    second = await start(ports[1], env, demo=False)
    try:
        yield ports
    finally:
        for process in (first, second):
            process.terminate()
            await process.wait()
        redis.stop()
        from motor.motor_asyncio import AsyncIOMotorClient

        client: AsyncIOMotorClient = AsyncIOMotorClient(mongodb_url)  # type: ignore[type-arg]
        await client.drop_database(database)
        client.close()


async def test_a_purchase_on_process_a_reaches_a_subscriber_on_process_b(
    processes: tuple[int, int],
) -> None:
    port_a, port_b = processes
    pos = issue_token(SECRET, Role.POS, store_id="store-001")
    async with (
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}") as http,
        subscriber(f"127.0.0.1:{port_b}", pos) as session,
    ):
        updates = follow(session, "mbr_demo_ben")
        snapshot = await next_of(updates)
        response = await http.post(
            "/graphql",
            json={"query": PURCHASE, "variables": purchase(by_id("mbr_demo_ben"), "p-a", "10")},
            headers={"authorization": f"Bearer {pos}"},
        )
        earned = await next_of(updates)

    assert response.json()["data"]["recordPurchase"]["__typename"] == "PointsEarned"
    assert (snapshot["member"]["balance"], earned["member"]["balance"]) == (320, 330)
