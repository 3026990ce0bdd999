"""GraphQL over Server-Sent Events, and a slow consumer dropped without hurting others."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import orjson
import websockets

from app.factory import create_app
from app.settings import Settings
from tests.conftest import SECRET, Api
from tests.e2e.conftest import serving, subscriber
from tests.e2e.test_member_updated import follow, next_of
from tests.integration.graphql import PURCHASE, by_id, purchase

SSE_UPDATES = """subscription { memberUpdated(ref: {id: "mbr_demo_ben"}) {
  version cause { kind } member { balance } } }"""
HEAVY = """subscription { memberUpdated(ref: {id: "mbr_demo_ben"}) { version member {
  history(first: 100) { edges { node { id kind points reason createdAt orderId } } } } } }"""


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    event = ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            yield event, line.removeprefix("data:").strip()


async def test_a_web_client_follows_a_member_over_sse(http_api: Api, live: str) -> None:
    headers = {"authorization": f"Bearer {http_api.pos}", "accept": "text/event-stream"}
    async with (
        httpx.AsyncClient(base_url=f"http://{live}", timeout=10) as client,
        client.stream("POST", "/graphql", json={"query": SSE_UPDATES}, headers=headers) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
        async with asyncio.timeout(5):
            kind, snapshot = await anext(events)
            await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "sse-1", "5.00"))
            _, earned = await anext(events)

    assert kind == "next"
    assert orjson.loads(snapshot)["data"]["memberUpdated"]["cause"]["kind"] == "SNAPSHOT"
    update = orjson.loads(earned)["data"]["memberUpdated"]
    assert (update["cause"]["kind"], update["member"]["balance"]) == ("EARNED", 325)


async def test_sse_needs_a_token(live: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{live}", timeout=10) as client:
        response = await client.post(
            "/graphql", json={"query": SSE_UPDATES}, headers={"accept": "text/event-stream"}
        )

    assert "UNAUTHENTICATED" in response.text


async def test_a_slow_consumer_is_dropped_and_the_others_get_everything() -> None:
    settings = Settings(secret=SECRET, subscription_queue_size=4)  # type: ignore[arg-type]
    app = create_app(settings)
    tessera = app.state.tessera
    async with app.router.lifespan_context(app), serving(app, send_buffer=4096) as address:
        api = Api(httpx.AsyncClient(base_url=f"http://{address}"), tessera)
        slow = await websockets.connect(
            f"ws://{address}/graphql",
            max_queue=1,
            subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        )
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {api.pos}"}}
        await slow.send(orjson.dumps(init).decode())
        await slow.recv()  # connection_ack; from here on it never reads again
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": HEAVY}}
        await slow.send(orjson.dumps(subscribe).decode())
        async with subscriber(address, api.callcenter) as session:
            fast = follow(session, "mbr_demo_ben")
            start = (await next_of(fast))["version"]
            while tessera.feed.watch_count < 2:
                await asyncio.sleep(0.01)
            for n in range(300):
                await api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), f"flood-{n}", "1.00"))
                if tessera.feed.watch_count == 1:
                    break
            produced = (await api.data('{ member(ref: {id: "mbr_demo_ben"}) { version } }'))[
                "member"
            ]["version"]
            received = [(await next_of(fast))["version"] for _ in range(produced - start)]
        # When the slow reader catches up, it learns why the updates stopped.
        replies = []
        async with asyncio.timeout(10):
            while (reply := orjson.loads(await slow.recv()))["type"] == "next":
                replies.append(reply)
        await slow.close()
        await api.http.aclose()

    assert tessera.feed.watch_count == 0
    assert produced - start < 300, "the slow subscription was never dropped"
    assert received == list(range(start + 1, produced + 1))
    assert reply["type"] == "complete"
    assert replies[-1]["payload"]["errors"][0]["extensions"]["code"] == "SLOW_CONSUMER"
