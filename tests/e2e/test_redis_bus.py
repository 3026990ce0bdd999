"""The Redis bus: a quiet channel is not a broken one; a broken one resyncs once repaired."""

from __future__ import annotations

import asyncio

import pytest

from domain.events import MemberChanged
from domain.ledger import EntryKind
from domain.ports import PublisherUnavailable
from subscriptions.bus import InProcessBus, Resync
from subscriptions.redis_bus import RedisBus
from tests.e2e.redis_server import RedisServer

EVENT = MemberChanged("mbr_1", 2, EntryKind.EARNED, None, "store-001", "ent_1", "BRONZE", None)


async def test_a_quiet_channel_keeps_its_subscription(redis: RedisServer) -> None:
    local = InProcessBus()
    bus = RedisBus(redis.url, local, socket_timeout=0.5)
    async with local.listen() as heard:
        bus.start()
        await asyncio.wait_for(bus.connected.wait(), 5)
        await asyncio.sleep(1.5)  # three socket timeouts without a message

        await bus.publish(EVENT)
        received = await asyncio.wait_for(heard.get(), 5)
        await bus.stop()

    assert received == EVENT  # no Resync came first: the link was never dropped


async def test_after_redis_comes_back_listeners_are_told_to_resync(redis: RedisServer) -> None:
    local = InProcessBus()
    bus = RedisBus(redis.url, local, socket_timeout=0.5)
    async with local.listen() as heard:
        bus.start()
        await asyncio.wait_for(bus.connected.wait(), 5)
        redis.stop()
        with pytest.raises(PublisherUnavailable):
            await bus.publish(EVENT)
        await redis.start()
        signal = await asyncio.wait_for(heard.get(), 10)
        await bus.publish(EVENT)
        after = await asyncio.wait_for(heard.get(), 5)
        await bus.stop()

    assert isinstance(signal, Resync)
    assert after == EVENT
