"""storeActivity: the store screen sees who walks in, with tier, balance and vouchers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError

from tests.conftest import Api
from tests.e2e.conftest import subscriber
from tests.integration.graphql import PURCHASE, REDEEM, by_id, purchase

ACTIVITY = """subscription($store: ID!) { storeActivity(storeId: $store) {
  kind storeId member { id displayName balance tier { code } rewards { code status }
  countdowns { kind label } } } }"""
CHECK_IN = """mutation($input: CheckInInput!) { checkIn(input: $input) {
  __typename ... on CheckedIn { member { id version } } ... on Error { code message } } }"""


def watch(session: Any, store: str) -> AsyncIterator[dict[str, Any]]:
    updates: AsyncIterator[dict[str, Any]] = session.subscribe(
        GraphQLRequest(ACTIVITY, variable_values={"store": store})
    )
    return updates


async def next_event(events: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    async with asyncio.timeout(5):
        event: dict[str, Any] = (await anext(events))["storeActivity"]
        return event


async def test_check_in_purchase_and_redemption_show_on_the_store_screen(
    http_api: Api,
    live: str,
) -> None:
    ada = http_api.token("member", member="mbr_demo_ada")
    async with subscriber(live, http_api.pos) as screen:
        events = watch(screen, "store-001")
        first = asyncio.ensure_future(next_event(events))  # subscribes
        await asyncio.sleep(0.3)

        arrived = await http_api.data(
            CHECK_IN,
            {"input": {"member": by_id("mbr_demo_ada"), "storeId": "store-001", "channel": "APP"}},
            ada,
        )
        check_in = await first
        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ada"), "s-1", "20.00"), http_api.pos)
        bought = await next_event(events)
        await http_api.data(
            REDEEM,
            {
                "input": {
                    "member": by_id("mbr_demo_ada"),
                    "rewardId": "coffee",
                    "channel": "POS",
                    "idempotencyKey": "s-r-1",
                }
            },
            http_api.pos,
        )
        redeemed = await next_event(events)

    assert arrived["checkIn"]["__typename"] == "CheckedIn"
    assert (check_in["kind"], check_in["member"]["displayName"]) == ("CHECKED_IN", "Ada Lovelace")
    assert check_in["member"]["tier"]["code"] == "SILVER"
    assert (bought["kind"], bought["member"]["balance"]) == ("EARNED", 1150 + 25)
    assert redeemed["kind"] == "REDEEMED"
    assert len([r for r in redeemed["member"]["rewards"] if r["status"] == "ACTIVE"]) == 2


async def test_a_pos_watches_its_own_store_only(http_api: Api, live: str) -> None:
    async with subscriber(live, http_api.pos) as screen:
        with pytest.raises(TransportQueryError) as refused:
            await next_event(watch(screen, "store-002"))

    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_upgrade_at_the_till_is_flagged_on_the_store_screen(
    http_api: Api, live: str
) -> None:
    # given the store screen is open, and Ben (Bronze, 320 qualifying points) at the till
    upgrade = """subscription($store: ID!) { storeActivity(storeId: $store) {
      kind member { id tier { code } }
      tierChange { previous { code } current { code name } upgrade } } }"""
    async with subscriber(live, http_api.pos) as screen:
        events: AsyncIterator[dict[str, Any]] = screen.subscribe(
            GraphQLRequest(upgrade, variable_values={"store": "store-001"})
        )
        small = asyncio.ensure_future(next_event(events))
        await asyncio.sleep(0.3)
        # when a small purchase, then one that takes him over 1000 points
        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "u-1", "10"), http_api.pos)
        first = await small
        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ben"), "u-2", "700"), http_api.pos)
        second = await next_event(events)
    # then only the second carries the flag, from Bronze to Silver
    assert (first["kind"], first["tierChange"]) == ("EARNED", None)
    assert second["kind"] == "EARNED"
    assert second["member"]["tier"]["code"] == "SILVER"
    assert second["tierChange"] == {
        "previous": {"code": "BRONZE"},
        "current": {"code": "SILVER", "name": "Silver"},
        "upgrade": True,
    }
