"""memberUpdated over a real WebSocket: snapshot first, then every change, within auth."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import orjson
import pytest
import websockets
from gql import GraphQLRequest
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError

from tests.conftest import Api
from tests.e2e.conftest import subscriber
from tests.integration.graphql import MERGE, PURCHASE, by_id, purchase

UPDATES = """subscription($ref: MemberRef!) { memberUpdated(ref: $ref) {
  version cause { kind channel storeId entryId } member { id version balance tier { code } } } }"""


async def next_of(updates: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    async with asyncio.timeout(5):
        result: dict[str, Any] = (await anext(updates))["memberUpdated"]
        return result


def follow(session: Any, member_id: str) -> AsyncIterator[dict[str, Any]]:
    request = GraphQLRequest(UPDATES, variable_values={"ref": by_id(member_id)})
    updates: AsyncIterator[dict[str, Any]] = session.subscribe(request)
    return updates


async def test_a_subscriber_sees_the_snapshot_then_the_purchase(http_api: Api, live: str) -> None:
    async with subscriber(live, http_api.pos) as session:
        updates = follow(session, "mbr_demo_ben")
        snapshot = await next_of(updates)

        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "ws-1", "10.00"))
        earned = await next_of(updates)

    assert snapshot["cause"]["kind"] == "SNAPSHOT"
    assert snapshot["member"]["balance"] == 320
    assert earned["cause"]["kind"] == "EARNED"
    assert earned["cause"]["storeId"] == "store-001"
    assert earned["member"]["balance"] == 330
    assert earned["version"] == earned["member"]["version"] == snapshot["version"] + 1


async def test_every_surface_gets_each_version_once_and_in_order(http_api: Api, live: str) -> None:
    async with (
        subscriber(live, http_api.pos) as pos,
        subscriber(live, http_api.token("member", member="mbr_demo_ben")) as app,
        subscriber(live, http_api.callcenter) as agent,
    ):
        feeds = [follow(s, "mbr_demo_ben") for s in (pos, app, agent)]
        snapshots = [await next_of(f) for f in feeds]
        for n in range(3):
            await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), f"ws-{n}", "1.00"))
        seen = [[(await next_of(f))["version"] for _ in range(3)] for f in feeds]

    start = snapshots[0]["version"]
    assert [s["version"] for s in snapshots] == [start] * 3
    assert seen == [[start + 1, start + 2, start + 3]] * 3


async def test_a_member_token_may_follow_only_itself(http_api: Api, live: str) -> None:
    token = http_api.token("member", member="mbr_demo_ada")
    async with subscriber(live, token) as session:
        own = await next_of(follow(session, "mbr_demo_ada"))
        with pytest.raises(TransportQueryError) as refused:
            await next_of(follow(session, "mbr_demo_ben"))

    assert own["member"]["id"] == "mbr_demo_ada"
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_a_connection_without_a_valid_token_is_closed_4403(
    live: str, token: str | None
) -> None:
    async with websockets.connect(
        f"ws://{live}/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as socket:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await socket.send(orjson.dumps({"type": "connection_init", "payload": payload}).decode())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_the_legacy_protocol_is_off(live: str) -> None:
    async with websockets.connect(
        f"ws://{live}/graphql", subprotocols=[websockets.Subprotocol("graphql-ws")]
    ) as socket:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406


async def test_a_merged_duplicate_hands_over_to_the_survivor(http_api: Api, live: str) -> None:
    async with subscriber(live, http_api.callcenter) as session:
        updates = follow(session, "mbr_demo_ben")
        await next_of(updates)

        await http_api.data(
            MERGE,
            {"input": {"survivor": by_id("mbr_demo_chloe"), "duplicate": by_id("mbr_demo_ben")}},
            http_api.callcenter,
        )
        merged = await next_of(updates)
        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_chloe"), "after-merge", "2.00"))
        later = await next_of(updates)

    assert merged["cause"]["kind"] == "MERGED"
    assert merged["member"]["id"] == "mbr_demo_chloe"
    assert merged["member"]["balance"] >= 320
    assert later["member"]["id"] == "mbr_demo_chloe"
    assert later["cause"]["kind"] == "EARNED"


async def test_one_token_holds_a_bounded_number_of_connections(http_api: Api, live: str) -> None:
    token = http_api.token("callcenter")
    async with AsyncExitStack() as stack:
        for _ in range(10):  # the default max_connections_per_token
            await stack.enter_async_context(subscriber(live, token))
        with pytest.raises(TransportConnectionFailed) as refused:
            await stack.enter_async_context(subscriber(live, token))
        other = await stack.enter_async_context(subscriber(live, http_api.pos))
        assert (await next_of(follow(other, "mbr_demo_ada")))["member"]["id"] == "mbr_demo_ada"

    closed = refused.value.__cause__
    assert isinstance(closed, websockets.ConnectionClosed)
    assert closed.rcvd is not None and closed.rcvd.code == 4403


async def test_one_connection_holds_a_bounded_number_of_subscriptions(
    http_api: Api, live: str
) -> None:
    async with websockets.connect(
        f"ws://{live}/graphql", subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as socket:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {http_api.pos}"}}
        await socket.send(orjson.dumps(init).decode())
        await socket.recv()
        for n in range(21):  # the default max_subscriptions_per_connection is 20
            query = {"query": UPDATES, "variables": {"ref": by_id("mbr_demo_ben")}}
            await socket.send(
                orjson.dumps({"id": str(n), "type": "subscribe", "payload": query}).decode()
            )
        replies = [orjson.loads(await asyncio.wait_for(socket.recv(), 5)) for _ in range(21)]

    refused = [r for r in replies if r["type"] == "error"]
    assert len(refused) == 1 and refused[0]["id"] == "20"
    assert "limit" in refused[0]["payload"][0]["message"].lower()
    assert sum(r["type"] == "next" for r in replies) == 20
