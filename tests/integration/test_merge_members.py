"""mergeMembers: the survivor keeps everything the duplicate had; the duplicate resolves to it."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.integration.graphql import HISTORY, MEMBER, MERGE, RETURN, USE, by_id, email
from tests.integration.steps import bought, enrolled, member, redeemed


def merge(survivor: dict[str, Any], duplicate: dict[str, Any]) -> dict[str, object]:
    return {"input": {"survivor": survivor, "duplicate": duplicate}}


async def test_merge_moves_points_vouchers_identities_and_history(api: Api) -> None:
    survivor = await enrolled(api, "main@example.com")
    duplicate = await enrolled(api, "old@example.com")
    await bought(api, survivor["id"], "o-1", "600.00")
    await bought(api, duplicate["id"], "o-2", "500.00")
    voucher = (await redeemed(api, duplicate["id"], "coffee", "r-1"))["memberReward"]

    merged = (
        await api.data(
            MERGE, merge(by_id(survivor["id"]), email("old@example.com")), api.callcenter
        )
    )["mergeMembers"]["member"]

    assert merged["id"] == survivor["id"]
    assert merged["balance"] == 600 + 500 - 150
    assert merged["tier"]["code"] == "SILVER"  # 1100 qualifying points together
    assert [r["code"] for r in merged["rewards"]] == [voucher["code"]]
    assert {i["value"] for i in merged["identifiers"]} == {"main@example.com", "old@example.com"}
    assert merged["version"] == survivor["version"] + 2
    via_old_id = (await api.data(MEMBER, {"ref": by_id(duplicate["id"])}))["member"]
    via_old_email = (await api.data(MEMBER, {"ref": email("old@example.com")}))["member"]
    assert via_old_id["id"] == via_old_email["id"] == survivor["id"]
    history = await api.data(HISTORY, {"ref": by_id(survivor["id"]), "first": 20})
    orders = {e["node"]["orderId"] for e in history["member"]["history"]["edges"]}
    kinds = [e["node"]["kind"] for e in history["member"]["history"]["edges"]]
    assert {"o-1", "o-2"} <= orders
    assert kinds[:2] == ["TIER_CHANGED", "MERGED"]  # newest first: the merge, then its upgrade


async def test_merging_again_changes_nothing(api: Api) -> None:
    survivor = await enrolled(api, "keep@example.com")
    duplicate = await enrolled(api, "drop@example.com")
    await bought(api, duplicate["id"], "o-1", "100.00")
    variables = merge(by_id(survivor["id"]), by_id(duplicate["id"]))

    first = (await api.data(MERGE, variables, api.callcenter))["mergeMembers"]["member"]
    again = (await api.data(MERGE, variables, api.callcenter))["mergeMembers"]["member"]

    assert again["version"] == first["version"]
    assert again["balance"] == first["balance"] == 100


async def test_the_duplicates_vouchers_and_orders_work_on_the_survivor(api: Api) -> None:
    survivor = await enrolled(api, "s@example.com")
    duplicate = await enrolled(api, "d@example.com")
    await bought(api, duplicate["id"], "o-dup", "300.00")
    code = (await redeemed(api, duplicate["id"], "coffee", "r-1"))["memberReward"]["code"]
    await api.data(MERGE, merge(by_id(survivor["id"]), by_id(duplicate["id"])), api.callcenter)

    used = await api.data(USE, {"input": {"code": code, "channel": "POS"}}, api.pos)
    returned = await api.data(
        RETURN,
        {"input": {"orderId": "o-dup", "amount": "100.00", "idempotencyKey": "ret"}},
        api.pos,
    )

    assert used["useReward"]["member"]["id"] == survivor["id"]
    assert returned["returnPurchase"]["member"]["id"] == survivor["id"]
    assert (await member(api, survivor["id"]))["balance"] == 300 - 150 - 100


async def test_purchases_through_the_duplicates_ref_land_on_the_survivor(api: Api) -> None:
    survivor = await enrolled(api, "land@example.com")
    duplicate = await enrolled(api, "gone@example.com")
    await api.data(MERGE, merge(by_id(survivor["id"]), by_id(duplicate["id"])), api.callcenter)

    payload = await bought(api, duplicate["id"], "o-1", "10.00")

    assert payload["member"]["id"] == survivor["id"]
    assert payload["member"]["balance"] == 10


async def test_only_call_center_and_admin_merge(api: Api) -> None:
    variables = merge(by_id("mbr_demo_ada"), by_id("mbr_demo_ben"))

    assert await api.error_code(MERGE, variables, api.pos) == "FORBIDDEN"
    assert (await member(api, "mbr_demo_ben"))["id"] == "mbr_demo_ben"
