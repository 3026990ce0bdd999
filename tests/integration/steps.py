"""Given-steps the integration tests share: a fresh member, a purchase, a redemption."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.integration.graphql import ENROLL, MEMBER, PURCHASE, REDEEM, by_id, purchase


async def enrolled(api: Api, address: str, name: str | None = None) -> dict[str, Any]:
    data = await api.data(
        ENROLL,
        {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": address}],
                "displayName": name,
                "channel": "WEB",
            }
        },
    )
    payload = data["enrollMember"]
    assert payload["__typename"] == "MemberEnrolled", payload
    member: dict[str, Any] = payload["member"]
    return member


async def bought(api: Api, member_id: str, order_id: str, amount: str) -> dict[str, Any]:
    data = await api.data(PURCHASE, purchase(by_id(member_id), order_id, amount))
    payload: dict[str, Any] = data["recordPurchase"]
    assert payload["__typename"] == "PointsEarned", payload
    return payload


async def redeemed(api: Api, member_id: str, reward_id: str, key: str) -> dict[str, Any]:
    data = await api.data(
        REDEEM,
        {
            "input": {
                "member": by_id(member_id),
                "rewardId": reward_id,
                "channel": "POS",
                "idempotencyKey": key,
            }
        },
    )
    payload: dict[str, Any] = data["redeemReward"]
    return payload


async def member(api: Api, member_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(MEMBER, {"ref": by_id(member_id)}))["member"]
    return found
