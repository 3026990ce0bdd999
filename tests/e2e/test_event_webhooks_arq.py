"""Event webhooks delivered by arq workers on a real redis-server: in order per member,
retried, and resent with the same webhook-id after a worker stopped mid-request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import Request, Response

from domain.clock import SettableClock
from domain.webhook_deliveries import SEND_LEASE
from tests.conftest import Api, running_app
from tests.e2e.conftest import serving
from tests.e2e.redis_server import RedisServer
from tests.e2e.test_event_webhooks import Receiver, buy, deliveries, subscribe
from tests.e2e.test_worker_crash import stopped, until, worker_running
from workers.webhooks import deliver_webhooks_due

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")


@pytest.fixture
async def api(redis: RedisServer, clock: SettableClock) -> AsyncIterator[Api]:
    """The app with its jobs on arq: only a worker delivers."""
    async with running_app(clock, redis_url=redis.url) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
            yield Api(http, app.state.tessera, app.state.persisted)


class HoldingReceiver(Receiver):
    """Holds its first request unanswered until told (a worker stopped meanwhile)."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.release = asyncio.Event()
        self.held = False

    async def answer(self, request: Request) -> Response:
        if self.held:
            return await super().answer(request)
        self.held = True
        self.holding.set()
        await self.release.wait()
        return Response(status_code=204)  # to no one: the sender is gone


async def statuses(api: Api) -> list[str]:
    return [d["status"] for d in await deliveries(api)]


async def test_arq_workers_deliver_in_order_and_retry(api: Api, clock: SettableClock) -> None:
    endpoint = Receiver(failures=1)
    async with serving(endpoint.app()) as address, worker_running(api.tessera):
        await subscribe(api, endpoint, f"http://{address}/hooks", ["POINTS_EARNED"])
        await buy(api, "mbr_demo_ben", "arq-1", "10.00")
        await buy(api, "mbr_demo_ben", "arq-2", "20.00")

        async def first_failed() -> bool:
            return sorted(await statuses(api)) == ["FAILED", "PENDING"]

        await until(first_failed)
        assert endpoint.received == []  # the second waits behind the first
        clock.advance(timedelta(seconds=30))
        await deliver_webhooks_due(api.tessera.messaging)  # what arq's cron does

        async def both_delivered() -> bool:
            return await statuses(api) == ["DELIVERED", "DELIVERED"]

        await until(both_delivered)
    orders = [p["data"]["entry"]["orderId"] for _, p in endpoint.received]
    assert orders == ["arq-1", "arq-2"] and endpoint.refused == []


async def test_a_worker_stopped_mid_request_is_resent_with_the_same_webhook_id(
    api: Api, clock: SettableClock
) -> None:
    endpoint = HoldingReceiver()
    async with serving(endpoint.app()) as address:
        await subscribe(api, endpoint, f"http://{address}/hooks", ["POINTS_EARNED"])
        async with worker_running(api.tessera) as first:
            await buy(api, "mbr_demo_ben", "arq-3", "10.00")
            await asyncio.wait_for(endpoint.holding.wait(), 10)
            await stopped(first)  # arq cancels the job mid-request
        endpoint.release.set()
        [stranded] = await deliveries(api)
        assert stranded["status"] == "PENDING" and stranded["attempts"] == 0

        async with worker_running(api.tessera):
            # Its claim holds until the send lease ends; then the cron job finds it due.
            clock.advance(SEND_LEASE + timedelta(seconds=1))
            await deliver_webhooks_due(api.tessera.messaging)

            async def delivered() -> bool:
                return await statuses(api) == ["DELIVERED"]

            await until(delivered)
    assert [i for i, _ in endpoint.received] == [stranded["id"]]
