"""recordPurchase with the cart's lines, and returnPurchase by line and quantity, through
GraphQL over HTTP on both stores: points per line, a return takes back what its units
earned, and whatever does not fit the order is refused and changes nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.integration.graphql import ERROR, MEMBER_FIELDS, RETURN, by_id
from tests.integration.steps import bought, enrolled, member

CART_PURCHASE = f"""mutation($input: RecordPurchaseInput!) {{ recordPurchase(input: $input) {{
  __typename
  ... on PointsEarned {{ member {{ {MEMBER_FIELDS} }} entry {{ id kind points orderId reason }}
    lines {{ sku category quantity unitPrice earns points }} }}
  {ERROR} }} }}"""

CART = [
    {"sku": "COF-1", "category": "COFFEE", "quantity": 3, "unitPrice": "2.30"},
    {"sku": "MUG-1", "category": "HOME", "quantity": 2, "unitPrice": "9.99"},
    {
        "sku": "GIFT-25",
        "category": "GIFT_CARD",
        "quantity": 1,
        "unitPrice": "25.00",
        "earns": False,
    },
]


def cart(member_id: str, order_id: str, key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "member": by_id(member_id),
            "orderId": order_id,
            "currency": "EUR",
            "channel": "POS",
            "storeId": "store-001",
            "idempotencyKey": key or f"key-{order_id}",
            "lines": CART,
            **extra,
        }
    }


def lines_back(order_id: str, key: str, *lines: tuple[str, int], **extra: Any) -> dict[str, Any]:
    returned = [{"sku": sku, "quantity": quantity} for sku, quantity in lines]
    return {"input": {"orderId": order_id, "idempotencyKey": key, "lines": returned, **extra}}


async def test_a_cart_earns_per_line_and_says_what_each_line_earned(api: Api) -> None:
    given = await enrolled(api, "cart@example.com")

    payload = (await api.data(CART_PURCHASE, cart(given["id"], "o-1"), api.pos))["recordPurchase"]
    again = (await api.data(CART_PURCHASE, cart(given["id"], "o-1"), api.pos))["recordPurchase"]

    assert payload["__typename"] == "PointsEarned", payload
    assert [(line["sku"], line["points"]) for line in payload["lines"]] == [
        ("COF-1", 6),
        ("MUG-1", 19),
        ("GIFT-25", 0),
    ]
    assert payload["lines"][1] == {
        "sku": "MUG-1",
        "category": "HOME",
        "quantity": 2,
        "unitPrice": "9.99",
        "earns": True,
        "points": 19,
    }
    assert payload["entry"]["points"] == payload["member"]["balance"] == 25
    # The entry says which rule gave the points and on what (the gift card earns nothing).
    assert payload["entry"]["reason"] == "BRONZE \u00d71 on 26.88 EUR"
    assert again == payload  # a retry replays the lines as first recorded


async def test_an_amount_that_is_not_the_sum_of_the_lines_is_refused(api: Api) -> None:
    given = await enrolled(api, "sum@example.com")

    wrong = await api.data(CART_PURCHASE, cart(given["id"], "o-1", amount="50.00"), api.pos)
    right = await api.data(CART_PURCHASE, cart(given["id"], "o-2", amount="51.88"), api.pos)
    bad_line = cart(given["id"], "o-3", lines=[{**CART[0], "quantity": 0}])
    refused = await api.data(CART_PURCHASE, bad_line, api.pos)

    assert wrong["recordPurchase"]["code"] == "INVALID_INPUT"
    assert wrong["recordPurchase"]["field"] == "amount"
    assert "51.88" in wrong["recordPurchase"]["message"]
    assert refused["recordPurchase"]["field"] == "lines[0].quantity"
    assert right["recordPurchase"]["member"]["balance"] == 25  # only o-2 earned


async def test_a_return_by_line_takes_back_what_those_units_earned(api: Api) -> None:
    given = await enrolled(api, "lineback@example.com")
    await api.data(CART_PURCHASE, cart(given["id"], "o-1"), api.pos)

    mug = await api.data(RETURN, lines_back("o-1", "r-1", ("MUG-1", 1)), api.pos)
    replay = await api.data(RETURN, lines_back("o-1", "r-1", ("MUG-1", 1)), api.pos)
    too_many = await api.data(RETURN, lines_back("o-1", "r-2", ("MUG-1", 2)), api.pos)
    rest = await api.data(
        RETURN, lines_back("o-1", "r-3", ("MUG-1", 1), ("COF-1", 3), ("GIFT-25", 1)), api.pos
    )

    assert mug["returnPurchase"]["entry"]["points"] == -9  # half the mugs' 19, rounded down
    assert replay == mug
    assert too_many["returnPurchase"]["code"] == "RETURN_EXCEEDS_PURCHASE"
    assert "1 can still be returned" in too_many["returnPurchase"]["message"]
    assert rest["returnPurchase"]["entry"]["points"] == -16  # 10 of the mugs, 6 of the coffee
    assert rest["returnPurchase"]["member"]["balance"] == 0


async def test_a_return_that_does_not_fit_the_order_is_refused_and_changes_nothing(
    api: Api,
) -> None:
    given = await enrolled(api, "misfit@example.com")
    await api.data(CART_PURCHASE, cart(given["id"], "o-1"), api.pos)
    await bought(api, given["id"], "o-2", "40.00")  # recorded as an amount

    by_amount = {"input": {"orderId": "o-1", "amount": "9.99", "idempotencyKey": "r-1"}}
    answers = [
        await api.data(RETURN, lines_back("o-1", "r-2", ("TEA-1", 1)), api.pos),
        await api.data(RETURN, by_amount, api.pos),
        await api.data(RETURN, lines_back("o-1", "r-3", ("MUG-1", 1), amount="5.00"), api.pos),
        await api.data(RETURN, lines_back("o-2", "r-4", ("COF-1", 1)), api.pos),
        await api.data(RETURN, lines_back("o-1", "r-5", ("MUG-1", 0)), api.pos),
    ]

    fields = [(a["returnPurchase"]["code"], a["returnPurchase"]["field"]) for a in answers]
    assert fields == [
        ("INVALID_INPUT", "lines[0].sku"),
        ("INVALID_INPUT", "lines"),
        ("INVALID_INPUT", "amount"),
        ("INVALID_INPUT", "lines"),
        ("INVALID_INPUT", "lines[0].quantity"),
    ]
    assert (await member(api, given["id"]))["balance"] == 25 + 40
