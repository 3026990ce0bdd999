"""Challenges through GraphQL on both stores: the demo's "Three coffees in 30 days" shows its
progress in the member view, and its reward is given once, whether the purchases come one by
one, replayed, or all at once; a return takes nothing back."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests.conftest import START, Api
from tests.integration.graphql import MEMBER, PURCHASE, RETURN, by_id, purchase
from tests.integration.steps import enrolled

CHALLENGES = """query($ref: MemberRef!) { member(ref: $ref) { balance
  challenges { id name progress target deadline completed }
  history(first: 50) { edges { node { kind points reason orderId } } } } }"""

VOUCHERS = CHALLENGES.replace("balance", "balance rewards { code status reward { id } }")

COFFEE = {"sku": "COF-250", "category": "COFFEE", "quantity": 2, "unitPrice": "6.40"}
MUG = {"sku": "MUG-1", "category": "HOME", "quantity": 1, "unitPrice": "12.00"}


def cart(member_id: str, order_id: str, *lines: dict[str, Any]) -> dict[str, Any]:
    variables = purchase(by_id(member_id), order_id, "0")
    del variables["input"]["amount"]
    variables["input"]["lines"] = list(lines)
    return variables


async def bought(api: Api, member_id: str, order_id: str, *lines: dict[str, Any]) -> Any:
    payload = (await api.data(PURCHASE, cart(member_id, order_id, *lines)))["recordPurchase"]
    assert payload["__typename"] == "PointsEarned", payload
    return payload


async def seen(api: Api, member_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(CHALLENGES, {"ref": by_id(member_id)}))["member"]
    return found


def completions(member: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [e["node"] for e in member["history"]["edges"]]
    return [n for n in nodes if n["kind"] == "CHALLENGE_COMPLETED"]


async def test_progress_shows_in_the_member_view(api: Api) -> None:
    given = await enrolled(api, "latte@example.com")
    before = await seen(api, given["id"])

    await bought(api, given["id"], "c-1", COFFEE, MUG)
    await bought(api, given["id"], "c-2", MUG)  # no coffee: no progress
    after = await seen(api, given["id"])

    assert before["challenges"] == [
        {
            "id": "coffee-trio",
            "name": "Three coffees in 30 days",
            "progress": 0,
            "target": 3,
            "deadline": None,
            "completed": False,
        },
        {
            "id": "two-stores",
            "name": "Visit two of our stores",
            "progress": 0,
            "target": 2,
            "deadline": None,
            "completed": False,
        },
    ]
    trio, stores = after["challenges"]
    assert (stores["progress"], stores["deadline"]) == (1, None)  # store-001, for ever
    assert (trio["progress"], trio["completed"]) == (1, False)
    # 30 days from the first coffee's day (15 January), to midnight in Paris
    assert START.date().isoformat() == "2026-01-15"
    deadline = datetime.fromisoformat(trio["deadline"])
    assert deadline == datetime(2026, 2, 13, 23, 0, tzinfo=UTC)


async def test_the_third_coffee_completes_it_and_gives_the_points_once(api: Api) -> None:
    given = await enrolled(api, "espresso@example.com")
    for n in range(2):
        await bought(api, given["id"], f"e-{n}", COFFEE)

    third = await bought(api, given["id"], "e-2", COFFEE)
    replay = await bought(api, given["id"], "e-2", COFFEE)  # the till retries
    await bought(api, given["id"], "e-3", COFFEE)  # once ever: a fourth gives nothing
    after = await seen(api, given["id"])

    assert third["member"]["balance"] == 3 * 12 + 100
    assert replay["entry"]["id"] == third["entry"]["id"]
    assert after["balance"] == 4 * 12 + 100
    [done] = completions(after)
    assert done["points"] == 100
    assert done["orderId"] == "e-2"
    assert "Three coffees in 30 days (coffee-trio) completed" in done["reason"]
    assert after["challenges"][0] | {"deadline": None} == {
        "id": "coffee-trio",
        "name": "Three coffees in 30 days",
        "progress": 3,
        "target": 3,
        "deadline": None,
        "completed": True,
    }


async def test_purchases_at_once_complete_it_once(api: Api) -> None:
    given = await enrolled(api, "rush@example.com")

    await asyncio.gather(*(bought(api, given["id"], f"r-{n}", COFFEE) for n in range(6)))
    after = await seen(api, given["id"])

    assert len(completions(after)) == 1
    assert after["balance"] == 6 * 12 + 100
    assert after["challenges"][0]["completed"] is True


async def test_a_return_takes_back_the_purchase_not_the_challenge(api: Api) -> None:
    given = await enrolled(api, "refund@example.com")
    for n in range(3):
        await bought(api, given["id"], f"f-{n}", COFFEE)

    returned = await api.data(
        RETURN,
        {
            "input": {
                "orderId": "f-2",
                "idempotencyKey": "ret-f-2",
                "lines": [{"sku": "COF-250", "quantity": 2}],
            }
        },
    )
    after = await seen(api, given["id"])

    assert returned["returnPurchase"]["__typename"] == "PurchaseReturned", returned
    assert after["balance"] == 2 * 12 + 100
    assert after["challenges"][0]["completed"] is True


async def test_the_view_of_a_purchase_and_of_a_read_agree(api: Api) -> None:
    given = await enrolled(api, "agree@example.com")
    earned = await api.data(
        PURCHASE.replace("countdowns {", "challenges { id progress } countdowns {"),
        cart(given["id"], "a-1", COFFEE),
    )
    read = await api.data(
        MEMBER.replace("countdowns {", "challenges { id progress } countdowns {"),
        {"ref": by_id(given["id"])},
    )

    assert earned["recordPurchase"]["member"]["challenges"] == [
        {"id": "coffee-trio", "progress": 1},
        {"id": "two-stores", "progress": 1},
    ]
    assert read["member"]["challenges"] == earned["recordPurchase"]["member"]["challenges"]


async def test_a_second_store_issues_a_free_coffee_voucher_once(api: Api) -> None:
    given = await enrolled(api, "hopper@example.com")
    await bought(api, given["id"], "h-1", MUG)
    again = await bought(api, given["id"], "h-2", MUG)  # the same store

    elsewhere = cart(given["id"], "h-3", MUG)
    elsewhere["input"]["storeId"] = "store-002"
    copies = await asyncio.gather(*(api.data(PURCHASE, elsewhere) for _ in range(3)))
    third = cart(given["id"], "h-4", MUG)
    third["input"]["storeId"] = "store-003"
    await api.data(PURCHASE, third)
    after = await api.data(VOUCHERS, {"ref": by_id(given["id"])})

    assert again["member"]["rewards"] == []
    assert {c["recordPurchase"]["entry"]["id"] for c in copies} == {
        copies[0]["recordPurchase"]["entry"]["id"]
    }
    member = after["member"]
    [voucher] = member["rewards"]
    assert (voucher["status"], voucher["reward"]["id"]) == ("ACTIVE", "coffee")
    assert member["balance"] == 4 * 12  # the voucher cost nothing
    [done] = completions(member)
    assert done["points"] == 0
    assert f"a Free coffee voucher ({voucher['code']})" in done["reason"]
    assert member["challenges"][1] == {
        "id": "two-stores",
        "name": "Visit two of our stores",
        "progress": 2,
        "target": 2,
        "deadline": None,
        "completed": True,
    }


PREVIEW = """query($input: PreviewPurchaseInput!) { previewPurchase(input: $input) {
  __typename
  ... on PurchasePreview { points member { balance challenges { id progress completed } } }
  ... on Error { code message } } }"""


async def test_a_preview_shows_the_progress_the_purchase_would_make_and_writes_nothing(
    api: Api,
) -> None:
    given = await enrolled(api, "preview@example.com")
    for n in range(2):
        await bought(api, given["id"], f"p-{n}", COFFEE)
    cart_only = cart(given["id"], "unused", COFFEE)["input"]
    del cart_only["orderId"], cart_only["idempotencyKey"]

    preview = (await api.data(PREVIEW, {"input": cart_only}))["previewPurchase"]
    after = await seen(api, given["id"])

    assert preview["__typename"] == "PurchasePreview", preview
    assert preview["member"]["challenges"][0] == {
        "id": "coffee-trio",
        "progress": 3,
        "completed": True,
    }
    assert preview["member"]["balance"] == 3 * 12 + 100  # the challenge's points included
    assert after["challenges"][0]["progress"] == 2
    assert completions(after) == []
