"""A partner's endpoint hears only its linked members' events, by its own external ids, and
only what its field policy allows; the brand's endpoint hears everything. The demo program's
partners: skyways sees displayName, tier and balance; dashfood sees the tier only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from tests.conftest import Api
from tests.e2e.conftest import serving
from tests.e2e.test_event_webhooks import (
    EVERY_EVENT,
    SUBSCRIBE,
    Receiver,
    buy,
    settle,
)
from tests.integration.graphql import REDEEM, by_id
from tests.integration.partners import linked

Endpoints = dict[str, Receiver]


@pytest.fixture
async def endpoints(api: Api) -> AsyncIterator[Endpoints]:
    """The brand's endpoint and each partner's, all subscribed to every event."""
    found: Endpoints = {}
    async with AsyncExitStack() as stack:
        for name in ("brand", "skyways", "dashfood"):
            receiver = Receiver()
            address = await stack.enter_async_context(serving(receiver.app()))
            given = {"url": f"http://{address}/hooks", "events": EVERY_EVENT}
            if name != "brand":
                given["partner"] = name
            done = (await api.data(SUBSCRIBE, {"input": given}))["subscribeWebhook"]
            assert done["subscription"]["partner"] == (None if name == "brand" else name)
            receiver.secret = done["secret"]
            found[name] = receiver
        yield found


def heard(receiver: Receiver) -> list[tuple[str, dict[str, Any]]]:
    return [(payload["type"], payload["data"]) for _, payload in receiver.received]


async def test_a_partner_hears_its_linked_members_by_external_id_within_its_policy(
    api: Api, endpoints: Endpoints
) -> None:
    await linked(api, "mbr_demo_ben", "skyways", "SKY-100200")
    await buy(api, "mbr_demo_ben", "pw-1", "700.00")  # to SILVER
    await buy(api, "mbr_demo_ada", "pw-2", "10.00")  # not linked at any partner
    await settle(api)

    brand = [(data["memberId"], kind) for kind, data in heard(endpoints["brand"])]
    assert sorted(brand) == [  # in order per member only
        ("mbr_demo_ada", "POINTS_EARNED"),
        ("mbr_demo_ben", "POINTS_EARNED"),
        ("mbr_demo_ben", "TIER_CHANGED"),
    ]
    [(earned_kind, earned), (tier_kind, tier)] = heard(endpoints["skyways"])
    version = earned["memberVersion"]
    assert (earned_kind, tier_kind) == ("POINTS_EARNED", "TIER_CHANGED")
    assert earned == {
        "externalId": "SKY-100200",
        "memberVersion": version,
        "occurredAt": earned["occurredAt"],
        "displayName": "Ben Okafor",
        "tier": "SILVER",
        "balance": 1020,
        "points": 700,
    }
    assert tier == {
        "externalId": "SKY-100200",
        "memberVersion": version,
        "occurredAt": earned["occurredAt"],
        "displayName": "Ben Okafor",
        "tier": "SILVER",
        "previousTier": "BRONZE",
        "balance": 1020,
    }
    assert endpoints["dashfood"].received == []  # Ben is not linked there
    assert endpoints["skyways"].refused == endpoints["dashfood"].refused == []


async def test_a_partner_hears_only_what_its_policy_shows_and_never_vouchers(
    api: Api, endpoints: Endpoints
) -> None:
    await linked(api, "mbr_demo_ben", "dashfood", "DASH-7")
    await linked(api, "mbr_demo_ben", "skyways", "SKY-7")
    await buy(api, "mbr_demo_ben", "pw-3", "700.00")  # points (balance) and a tier
    redemption = {
        "input": {
            "member": by_id("mbr_demo_ben"),
            "rewardId": "coffee",
            "channel": "POS",
            "idempotencyKey": "pw-redeem",
        }
    }
    await api.data(REDEEM, redemption, api.pos)
    await settle(api)

    # dashfood sees the tier only: the tier change, nothing about points.
    [(kind, data)] = heard(endpoints["dashfood"])
    assert kind == "TIER_CHANGED"
    assert set(data) == {"externalId", "memberVersion", "occurredAt", "tier", "previousTier"}
    assert data["externalId"] == "DASH-7"
    # skyways sees the points spent on the reward, never the voucher.
    assert [k for k, _ in heard(endpoints["skyways"])] == [
        "POINTS_EARNED",
        "TIER_CHANGED",
        "POINTS_SPENT",
    ]
    assert [k for k, _ in heard(endpoints["brand"])][-2:] == ["POINTS_SPENT", "REWARD_REDEEMED"]
    for _, data in heard(endpoints["skyways"]) + heard(endpoints["dashfood"]):
        assert not {"memberId", "entry", "memberReward"} & set(data)


async def test_a_partner_must_be_one_of_the_programs(api: Api) -> None:
    given = {"url": "https://hooks.example.com/x", "events": ["TIER_CHANGED"], "partner": "acme"}
    refused = (await api.data(SUBSCRIBE, {"input": given}))["subscribeWebhook"]
    assert refused["__typename"] == "InvalidInput" and refused["field"] == "partner"
    assert "no partner 'acme'" in refused["message"]
