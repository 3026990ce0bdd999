"""`GET /metrics` over HTTP: each family moves with real traffic (purchases, subscriptions
over a WebSocket and SSE, messages dispatched by the embedded runner, outbox items), the
queue depth comes from Redis when it is there, and scrapes are neither rate-limited nor,
with TESSERA_METRICS_TOKEN, open to anyone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.metrics import OperationLabels
from domain.clock import SettableClock
from storage.outbox import PENDING
from tests.conftest import Api, running_app
from tests.e2e.conftest import serving, subscriber
from tests.e2e.redis_server import RedisServer
from tests.e2e.test_member_updated import follow, next_of
from tests.e2e.test_outbox_parking import item
from tests.e2e.test_sse_and_backpressure import SSE_UPDATES, sse_events
from tests.integration.graphql import PURCHASE, by_id, purchase

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


def has(samples: Samples, name: str) -> bool:
    return any(n == name for n, _ in samples)


@asynccontextmanager
async def live_app(clock: SettableClock, **settings: Any) -> AsyncIterator[tuple[Api, str]]:
    async with (
        running_app(clock, **settings) as app,
        serving(app) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=10) as http,
    ):
        yield Api(http, app.state.tessera), address


async def scrape(api: Api, token: str | None = None) -> Samples:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await api.http.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_each_family_moves_with_real_traffic(clock: SettableClock) -> None:
    async with live_app(clock) as (api, address):
        tessera = api.tessera
        assert tessera.worker is not None
        await tessera.worker.idle()  # the demo's welcomes, sent at start-up
        before = await scrape(api)
        sse_headers = {"authorization": f"Bearer {api.pos}", "accept": "text/event-stream"}
        async with (
            subscriber(address, api.callcenter) as session,
            api.http.stream(
                "POST", "/graphql", json={"query": SSE_UPDATES}, headers=sse_headers
            ) as stream,
        ):
            # given a member followed over a WebSocket and over SSE
            updates, events = follow(session, "mbr_demo_ben"), sse_events(stream)
            await next_of(updates)
            await asyncio.wait_for(anext(events), 5)
            during = await scrape(api)
            # when a till records a purchase, which both see, and the runner sends a receipt
            await api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "M-1", "12.00"), api.pos)
            await next_of(updates)
            await asyncio.wait_for(anext(events), 5)
            await tessera.worker.idle()
        # and a forged token is refused, and an outbox item cannot be relayed
        assert await api.error_code("{ program { name } }", token="forged") == "UNAUTHENTICATED"
        ben = await api.data('{ member(ref: {id: "mbr_demo_ben"}) { version } }')
        poison = item("mbr_demo_ben", ben["member"]["version"] + 1, "TELEPORTED", 0, clock.now())
        await tessera.collections.members.update_one(
            {"_id": "mbr_demo_ben"}, {"$push": {"outbox": poison}, "$set": {PENDING: True}}
        )
        await tessera.outbox.sweep()
        after = await scrape(api)

    def moved(name: str, then: Samples = before, **labels: str) -> float:
        return total(after, name, **labels) - total(then, name, **labels)

    # then the requests are counted and timed by operation (a purchase has no name: its
    # first field), and the refusal by its code
    assert moved("tessera_requests_total", operation="recordPurchase", status="200") == 1
    assert moved("tessera_request_duration_seconds_count", operation="recordPurchase") == 1
    assert moved("tessera_errors_total", code="UNAUTHENTICATED") == 1
    # the live connections and subscriptions were counted while open, and no more after
    for transport in ("websocket", "sse"):
        assert total(during, "tessera_connections", transport=transport) == 1
        assert total(after, "tessera_connections", transport=transport) == 0
    assert total(during, "tessera_subscriptions", kind="member") == 2
    assert total(after, "tessera_subscriptions", kind="member") == 0
    assert moved("tessera_fanout_delay_seconds_count", during) == 2  # one per subscriber
    # the receipt's jobs were timed, and the message's outcome counted by journey
    assert moved("tessera_job_duration_seconds_count", job="start_journeys", outcome="ok") == 1
    assert moved("tessera_job_duration_seconds_count", job="dispatch_member", outcome="ok") >= 1
    assert moved("tessera_messages_total", journey="PURCHASE_RECEIPT") >= 1
    # the poison item was set aside and counted; nothing else is waiting
    assert total(after, "tessera_outbox_parked_total") == 1
    assert total(after, "tessera_outbox_backlog_items") == 0
    assert has(after, "tessera_outbox_oldest_item_age_seconds")
    assert has(after, "tessera_job_queue_depth")  # the in-process queue


async def test_with_redis_the_queue_depth_is_arqs_and_a_stuck_outbox_shows(
    clock: SettableClock, redis: RedisServer
) -> None:
    async with live_app(clock, redis_url=redis.url, demo=False) as (api, _):
        tessera = api.tessera
        enroll = """mutation { enrollMember(input: {displayName: "Ida",
          identifiers: [{kind: EMAIL, value: "ida@example.com"}], channel: POS}) {
          ... on MemberEnrolled { member { id } } } }"""
        ida = (await api.data(enroll, token=api.pos))["enrollMember"]["member"]["id"]
        queued = await scrape(api)  # no worker runs: the welcome's job waits in Redis
        # when Redis goes down, a purchase commits but cannot be relayed
        redis.stop()
        await api.data(PURCHASE, purchase(by_id(ida), "R-1", "5.00"), api.pos)
        await tessera.outbox.sweep()
        await asyncio.sleep(0.3)
        stuck = await scrape(api)  # a scrape without Redis still answers
        # and once it is back, the next sweep relays it
        await redis.start()
        await tessera.outbox.sweep()
        relayed = await scrape(api)

    assert total(queued, "tessera_job_queue_depth") >= 1
    assert total(stuck, "tessera_outbox_backlog_items") == 1
    assert total(stuck, "tessera_outbox_oldest_item_age_seconds") >= 0.3
    assert not has(stuck, "tessera_job_queue_depth")
    assert total(relayed, "tessera_outbox_backlog_items") == 0
    assert total(relayed, "tessera_outbox_oldest_item_age_seconds") == 0


async def test_metrics_need_the_token_when_one_is_set_and_are_not_rate_limited(
    clock: SettableClock,
) -> None:
    token = "scraper-token-that-is-long-enough"
    limited = {"rate_limit_requests_per_second": 1, "rate_limit_burst": 1}
    async with live_app(clock, metrics_token=token, **limited) as (api, _):
        anonymous = await api.http.get("/metrics")
        wrong = await api.http.get("/metrics", headers={"authorization": "Bearer nope"})
        graphql = [
            (await api.http.post("/graphql", json={"query": "{ program { name } }"})).status_code
            for _ in range(3)
        ]
        scrapes = [await scrape(api, token) for _ in range(5)]

    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert 429 in graphql
    assert all(has(samples, "tessera_requests_total") for samples in scrapes)


def test_operation_labels_are_bounded() -> None:
    labels = OperationLabels(cap=2)

    assert labels.label("HomeScreen", valid=True) == "HomeScreen"
    assert labels.label("NotValid", valid=False) == "other"  # a broken query names nothing
    assert labels.label("bad name!", valid=True) == "other"
    assert labels.label("member", valid=True) == "member"
    assert labels.label("OneTooMany", valid=True) == "other"  # past the cap
    assert labels.label("HomeScreen", valid=False) == "HomeScreen"  # known stays known
