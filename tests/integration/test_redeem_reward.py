"""redeemReward: vouchers for points, never below zero, within tier and stock limits."""

from __future__ import annotations

import asyncio

from tests.conftest import Api
from tests.integration.graphql import REDEEM, by_id
from tests.integration.steps import bought, enrolled, member, redeemed


def redemption(member_id: str, reward: str, key: str, channel: str = "APP") -> dict[str, object]:
    return {
        "input": {
            "member": by_id(member_id),
            "rewardId": reward,
            "channel": channel,
            "idempotencyKey": key,
        }
    }


async def test_redeeming_issues_a_voucher_and_spends_the_cost(api: Api) -> None:
    given = await enrolled(api, "coffee@example.com")
    await bought(api, given["id"], "o-1", "200.00")

    payload = await redeemed(api, given["id"], "coffee", "r-1")

    voucher = payload["memberReward"]
    assert payload["member"]["balance"] == 50
    assert voucher["status"] == "ACTIVE"
    assert voucher["reward"] == {"id": "coffee", "name": "Free coffee"}
    assert len(voucher["code"]) == 9 and voucher["code"][4] == "-"
    assert payload["member"]["rewards"][0]["code"] == voucher["code"]


async def test_a_replayed_redemption_returns_the_same_voucher(api: Api) -> None:
    given = await enrolled(api, "again@example.com")
    await bought(api, given["id"], "o-1", "400.00")

    first = await redeemed(api, given["id"], "coffee", "r-1")
    second = await redeemed(api, given["id"], "coffee", "r-1")

    assert second["memberReward"]["id"] == first["memberReward"]["id"]
    assert second["member"]["balance"] == 250
    assert len(second["member"]["rewards"]) == 1


async def test_not_enough_points_is_typed_with_the_numbers(api: Api) -> None:
    given = await enrolled(api, "poor@example.com")
    await bought(api, given["id"], "o-1", "100.00")

    payload = await redeemed(api, given["id"], "coffee", "r-1")

    assert payload["__typename"] == "InsufficientPoints"
    assert (payload["needed"], payload["balance"]) == (150, 100)
    assert (await member(api, given["id"]))["balance"] == 100


async def test_unknown_and_tier_limited_rewards_are_refused(api: Api) -> None:
    given = await enrolled(api, "bronze@example.com")
    await bought(api, given["id"], "o-1", "900.00")

    unknown = await redeemed(api, given["id"], "yacht", "r-1")
    gold_only = await redeemed(api, given["id"], "lounge-pass", "r-2")

    assert unknown["code"] == "REWARD_NOT_FOUND"
    assert gold_only["code"] == "REWARD_UNAVAILABLE"
    assert (await member(api, given["id"]))["balance"] == 900


async def test_a_member_redeems_its_own_rewards_in_the_app_only(api: Api) -> None:
    ada = api.token("member", member="mbr_demo_ada")

    own = await api.data(REDEEM, redemption("mbr_demo_ada", "coffee", "m-1"), ada)
    at_pos = await api.error_code(REDEEM, redemption("mbr_demo_ada", "coffee", "m-2", "POS"), ada)
    others = await api.error_code(REDEEM, redemption("mbr_demo_ben", "coffee", "m-3"), ada)

    assert own["redeemReward"]["__typename"] == "RewardRedeemed"
    assert at_pos == "FORBIDDEN"
    assert others == "FORBIDDEN"
    assert (await member(api, "mbr_demo_ben"))["balance"] == 320


async def test_fifty_simultaneous_redemptions_against_five_covers_give_five(api: Api) -> None:
    given = await enrolled(api, "rush@example.com")
    await bought(api, given["id"], "o-1", "750.00")  # covers exactly 5 coffees

    results = await asyncio.gather(
        *(redeemed(api, given["id"], "coffee", f"rush-{n}") for n in range(50))
    )

    kinds = [r["__typename"] for r in results]
    after = await member(api, given["id"])
    assert kinds.count("RewardRedeemed") == 5
    assert kinds.count("InsufficientPoints") == 45
    assert after["balance"] == 0
    assert len(after["rewards"]) == 5
    assert len({r["code"] for r in after["rewards"]}) == 5
    assert after["version"] == given["version"] + 1 + 5


async def test_limited_stock_is_never_oversold(api: Api) -> None:
    tessera = api.tessera
    given = await enrolled(api, "stock@example.com")
    await bought(api, given["id"], "o-1", "5000.00")
    # 98 of the 100 tote bags are gone already.
    await tessera.collections.stock.update_one(
        {"_id": "tote-bag"}, {"$set": {"claims": [f"x{n}" for n in range(98)]}}
    )

    results = await asyncio.gather(
        *(redeemed(api, given["id"], "tote-bag", f"tote-{n}") for n in range(4))
    )

    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["RewardRedeemed", "RewardRedeemed", "RewardUnavailable", "RewardUnavailable"]
    assert (await member(api, given["id"]))["balance"] == 5000 - 2 * 500
    program = await api.data("{ program { rewards { id available } } }")
    assert {"id": "tote-bag", "available": 0} in program["program"]["rewards"]
