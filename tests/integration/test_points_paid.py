"""Orders paid partly with points, through GraphQL on both stores: the points are spent at
the till, the part they paid earns nothing, and a return gives them back to the batches they
came from, with their own expiry, in proportion to what came back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import HISTORY, PURCHASE, RETURN, by_id, purchase
from tests.integration.steps import bought, enrolled, member
from tests.integration.test_preview_purchase import PREVIEW


def paying(member_id: str, order_id: str, amount: str, points: int) -> dict[str, Any]:
    return purchase(by_id(member_id), order_id, amount, pointsPaid=points)


def returning(order_id: str, amount: str, key: str) -> dict[str, object]:
    return {"input": {"orderId": order_id, "amount": amount, "idempotencyKey": key}}


def expiring(found: dict[str, Any]) -> list[tuple[int, str]]:
    return [
        (c["pointsRemaining"], c["deadline"][:10])
        for c in found["countdowns"]
        if c["kind"] == "POINTS_EXPIRY"
    ]


async def history(api: Api, member_id: str) -> list[dict[str, Any]]:
    data = await api.data(HISTORY, {"ref": by_id(member_id), "first": 20})
    return [edge["node"] for edge in data["member"]["history"]["edges"]]


async def test_points_pay_part_of_an_order_which_earns_on_the_money_share(api: Api) -> None:
    given = await enrolled(api, "pays@example.com")
    await bought(api, given["id"], "o-1", "300.00")  # 300 points

    paid = (await api.data(PURCHASE, paying(given["id"], "o-2", "50.00", 200)))["recordPurchase"]
    replayed = (await api.data(PURCHASE, paying(given["id"], "o-2", "50.00", 200)))[
        "recordPurchase"
    ]

    # 200 points pay 2.00 EUR: 48.00 is paid in money and earns 48 points.
    assert paid["__typename"] == "PointsEarned", paid
    assert paid["entry"]["points"] == 48
    assert paid["member"]["balance"] == 300 - 200 + 48
    assert replayed["member"]["balance"] == 148  # a retry spends nothing twice
    kinds = [(e["kind"], e["points"], e["orderId"]) for e in await history(api, given["id"])]
    assert ("POINTS_PAID", -200, "o-2") in kinds
    assert ("EARNED", 48, "o-2") in kinds
    assert kinds.count(("POINTS_PAID", -200, "o-2")) == 1


async def test_a_return_gives_the_points_paid_back_with_their_own_expiry(
    api: Api, clock: SettableClock
) -> None:
    given = await enrolled(api, "refund@example.com")
    await bought(api, given["id"], "o-1", "300.00")  # expires in 12 months
    clock.advance(timedelta(days=60))
    await bought(api, given["id"], "o-2", "100.00")  # expires two months later
    before = expiring(await member(api, given["id"]))
    assert before[0][0] == 300

    # The 250 points paid come from the soonest-expiring batch, o-1's.
    paid = (await api.data(PURCHASE, paying(given["id"], "o-3", "10.00", 250)))["recordPurchase"]
    assert paid["entry"]["points"] == 7  # 7.50 paid in money
    assert paid["member"]["balance"] == 400 - 250 + 7

    half = (await api.data(RETURN, returning("o-3", "5.00", "ret-1"), api.pos))["returnPurchase"]
    rest = (await api.data(RETURN, returning("o-3", "5.00", "ret-2"), api.pos))["returnPurchase"]

    assert half["entry"]["points"] == -3  # half of the 7 earned, rounded down
    assert half["member"]["balance"] == 157 - 3 + 125
    assert rest["member"]["balance"] == 400  # every point paid is back, none earned is left
    after = expiring(rest["member"])
    assert after == before  # back in o-1's batch, expiring when it always did
    refunds = [e for e in await history(api, given["id"]) if e["kind"] == "POINTS_REFUNDED"]
    assert sorted(e["points"] for e in refunds) == [125, 125]


async def test_paying_with_points_the_member_lacks_is_refused_and_changes_nothing(
    api: Api,
) -> None:
    given = await enrolled(api, "short@example.com")
    await bought(api, given["id"], "o-1", "100.00")
    before = await member(api, given["id"])

    short = (await api.data(PURCHASE, paying(given["id"], "o-2", "50.00", 101)))["recordPurchase"]
    worth_more = (await api.data(PURCHASE, paying(given["id"], "o-3", "0.50", 51)))[
        "recordPurchase"
    ]
    negative = (await api.data(PURCHASE, paying(given["id"], "o-4", "5.00", -1)))["recordPurchase"]

    assert short["code"] == "INSUFFICIENT_POINTS", short
    assert worth_more["code"] == "INVALID_INPUT" and worth_more["field"] == "pointsPaid"
    assert negative["code"] == "INVALID_INPUT" and negative["field"] == "pointsPaid"
    assert await member(api, given["id"]) == before
    # The order was not recorded: it can still be paid properly.
    ok = (await api.data(PURCHASE, paying(given["id"], "o-2", "50.00", 100)))["recordPurchase"]
    assert ok["member"]["balance"] == 0 + 49


async def test_a_preview_with_points_paid_prices_as_the_purchase(api: Api) -> None:
    given = await enrolled(api, "preview-paid@example.com")
    await bought(api, given["id"], "o-1", "500.00")
    ask = {
        "input": {
            "member": by_id(given["id"]),
            "amount": "40.00",
            "currency": "EUR",
            "channel": "POS",
            "pointsPaid": 300,
        }
    }

    shown = (await api.data(PREVIEW, ask, api.pos))["previewPurchase"]
    done = (await api.data(PURCHASE, paying(given["id"], "o-2", "40.00", 300)))["recordPurchase"]

    assert shown["points"] == done["entry"]["points"] == 37
    assert shown["member"]["balance"] == done["member"]["balance"] == 500 - 300 + 37
    assert "paid in money" in shown["rules"][0]["why"]
