"""Two API instances share one stream of events through a real redis-server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from mongomock_motor import AsyncMongoMockClient

from app.factory import create_app
from app.settings import Settings
from tests.conftest import SECRET, Api
from tests.demo_programs import NO_HOLD
from tests.e2e.conftest import serving, subscriber
from tests.e2e.redis_server import RedisServer
from tests.e2e.test_member_updated import follow, next_of
from tests.integration.graphql import PURCHASE, by_id, purchase


@pytest.fixture
async def instances(redis: RedisServer) -> AsyncIterator[list[tuple[str, Api]]]:
    """Instances A and B: each its own Redis connection and its own server and port; on the
    embedded store they share one mongomock client (it cannot be shared across processes)."""
    client: Any = AsyncMongoMockClient(tz_aware=True)
    async with AsyncExitStack() as stack:
        found = []
        for demo in (True, False):
            settings = Settings(
                secret=SECRET,
                demo=demo,
                redis_url=redis.url,  # type: ignore[arg-type]
                relay_interval_seconds=0.2,
                program=NO_HOLD,  # Ben's purchase is spendable at once, as the test reads
            )
            app = create_app(settings, client=client)
            await stack.enter_async_context(app.router.lifespan_context(app))
            address = await stack.enter_async_context(serving(app))
            http = await stack.enter_async_context(httpx.AsyncClient(base_url=f"http://{address}"))
            await asyncio.wait_for(app.state.tessera.redis_bus.connected.wait(), 5)
            found.append((address, Api(http, app.state.tessera)))
        yield found


async def test_a_purchase_through_a_reaches_a_subscriber_on_b(
    instances: list[tuple[str, Api]],
) -> None:
    (_, a), (b_address, b) = instances
    async with subscriber(b_address, b.pos) as session:
        updates = follow(session, "mbr_demo_ben")
        snapshot = await next_of(updates)

        await a.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "via-a", "10.00"))
        earned = await next_of(updates)

    assert snapshot["member"]["balance"] == 320
    assert (earned["cause"]["kind"], earned["member"]["balance"]) == ("EARNED", 330)


async def test_mutations_work_while_redis_is_down_and_subscribers_resync_after(
    instances: list[tuple[str, Api]], redis: RedisServer
) -> None:
    (_, a), (b_address, b) = instances
    async with subscriber(b_address, b.pos) as session:
        updates = follow(session, "mbr_demo_ben")
        await next_of(updates)

        redis.stop()
        while_down = await a.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "down", "10.00"))
        await redis.start()
        resynced: dict[str, Any] = await next_of(updates)

    assert while_down["recordPurchase"]["member"]["balance"] == 330
    assert resynced["member"]["balance"] == 330
    assert resynced["version"] == while_down["recordPurchase"]["member"]["version"]


async def test_one_redis_subscription_per_instance_whatever_the_sockets(
    instances: list[tuple[str, Api]], redis: RedisServer
) -> None:
    import redis.asyncio as aioredis

    (a_address, a), _ = instances
    async with AsyncExitStack() as stack:
        for n in range(20):
            token = a.token("pos", store=f"store-{n:03}")
            session = await stack.enter_async_context(subscriber(a_address, token))
            await next_of(follow(session, "mbr_demo_ada"))
        probe = aioredis.Redis.from_url(redis.url)
        counts = await probe.pubsub_numsub("tessera:member-changed")
        await probe.aclose()

    assert counts[0][1] == 2  # instances A and B, not 20 sockets
