"""programStatsUpdated over a real WebSocket, on both stores: the figures at once, then
again after a purchase (the purchase already counted); other roles are refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from gql import GraphQLRequest
from gql.transport.exceptions import TransportQueryError

from tests.conftest import Api
from tests.e2e.conftest import subscriber
from tests.integration.graphql import PURCHASE, by_id, purchase

FOLLOW = """subscription { programStatsUpdated {
  purchases liabilityPoints spend activeMembers } }"""


def follow(session: Any) -> AsyncIterator[dict[str, Any]]:
    updates: AsyncIterator[dict[str, Any]] = session.subscribe(GraphQLRequest(FOLLOW))
    return updates


async def next_figures(updates: AsyncIterator[dict[str, Any]]) -> dict[str, Any]:
    async with asyncio.timeout(5):
        figures: dict[str, Any] = (await anext(updates))["programStatsUpdated"]
        return figures


async def test_a_purchase_sends_the_figures_again(http_api: Api, live: str) -> None:
    async with subscriber(live, http_api.admin) as dashboard:
        updates = follow(dashboard)
        first = await next_figures(updates)
        await http_api.data(PURCHASE, purchase(by_id("mbr_demo_ada"), "live-1", "20.00"))
        then = await next_figures(updates)
        while then["purchases"] == first["purchases"]:  # an update for something else
            then = await next_figures(updates)

    assert then["purchases"] == first["purchases"] + 1
    assert then["liabilityPoints"] == first["liabilityPoints"] + 25  # Silver: 20 x 1.25
    assert Decimal(then["spend"]) == Decimal(first["spend"]) + Decimal("20.00")


@pytest.mark.parametrize("role", ["pos", "callcenter", "member"])
async def test_only_admins_follow_the_figures(http_api: Api, live: str, role: str) -> None:
    tokens = {
        "pos": http_api.pos,
        "callcenter": http_api.callcenter,
        "member": http_api.token("member", member="mbr_demo_ada"),
    }
    async with subscriber(live, tokens[role]) as session:
        with pytest.raises(TransportQueryError) as refused:
            await next_figures(follow(session))

    assert "may not view the program's figures" in str(refused.value)
