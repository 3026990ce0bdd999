"""previewPurchase and potentialPoints through GraphQL on both stores: a cart priced as
recordPurchase then records it, rule by rule and line by line, with the member as the
purchase would leave them; nothing is written."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.integration.graphql import ERROR, by_id, countdown
from tests.integration.steps import bought, enrolled, member
from tests.integration.test_purchase_lines import CART, CART_PURCHASE, cart

PREVIEW = f"""query($input: PreviewPurchaseInput!) {{ previewPurchase(input: $input) {{
  __typename
  ... on PurchasePreview {{ points qualifyingPoints
    rules {{ rule points qualifying why perLine }}
    lines {{ sku points }}
    member {{ balance version tier {{ code }} countdowns {{ kind label pointsRemaining }} }} }}
  {ERROR} }} }}"""

POTENTIAL = f"""query($input: PotentialPointsInput!) {{ potentialPoints(input: $input) {{
  __typename ... on PotentialPoints {{ items {{ sku quantity points }} }} {ERROR} }} }}"""


def previewing(member_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "member": by_id(member_id),
            "currency": "EUR",
            "channel": "POS",
            "lines": CART,
            **extra,
        }
    }


async def test_a_preview_prices_the_cart_as_the_purchase_then_records_it(api: Api) -> None:
    given = await enrolled(api, "preview@example.com")
    await bought(api, given["id"], "o-0", "1000.00")  # SILVER, x1.25
    before = await member(api, given["id"])

    shown = (await api.data(PREVIEW, previewing(given["id"]), api.pos))["previewPurchase"]
    untouched = await member(api, given["id"])
    done = (await api.data(CART_PURCHASE, cart(given["id"], "o-1"), api.pos))["recordPurchase"]

    assert shown["__typename"] == "PurchasePreview", shown
    assert untouched == before  # nothing written
    assert shown["points"] == done["entry"]["points"] == 8 + 24
    assert shown["lines"] == [
        {"sku": line["sku"], "points": line["points"]} for line in done["lines"]
    ]
    assert shown["rules"] == [
        {
            "rule": "base",
            "points": 32,
            "qualifying": True,
            "why": "SILVER \u00d71.25 on 26.88 EUR",
            "perLine": [8, 24, 0],
        }
    ]
    assert shown["qualifyingPoints"] == 32
    assert shown["member"]["balance"] == done["member"]["balance"] == before["balance"] + 32
    assert shown["member"]["tier"]["code"] == "SILVER"
    expected_next_tier = countdown(done["member"], "NEXT_TIER")
    assert (
        countdown(shown["member"], "NEXT_TIER")
        == {key: expected_next_tier[key] for key in ("kind", "label", "pointsRemaining")}
        if expected_next_tier
        else True
    )


async def test_a_product_page_shows_what_each_item_would_earn(api: Api) -> None:
    given = await enrolled(api, "page@example.com")
    items = [CART[0], {**CART[1], "quantity": 1}]

    shown = await api.data(
        POTENTIAL, {"input": {"member": by_id(given["id"]), "items": items}}, api.pos
    )

    assert shown["potentialPoints"]["items"] == [
        {"sku": "COF-1", "quantity": 3, "points": 6},
        {"sku": "MUG-1", "quantity": 1, "points": 9},
    ]


async def test_a_member_previews_for_itself_only_and_bad_input_is_typed(api: Api) -> None:
    given = await enrolled(api, "self@example.com")
    other = await enrolled(api, "other@example.com")
    token = api.token("member", member=given["id"])

    own = await api.data(PREVIEW, previewing(given["id"], channel="APP"), token)
    theirs = await api.raw(PREVIEW, previewing(other["id"], channel="APP"), token)
    wrong_sum = await api.data(PREVIEW, previewing(given["id"], amount="1.00"), api.pos)
    dollars = await api.data(PREVIEW, previewing(given["id"], currency="USD"), api.pos)
    nobody = await api.data(PREVIEW, previewing("mbr_nobody"), api.pos)

    assert own["previewPurchase"]["points"] == 25
    assert theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (wrong_sum["previewPurchase"]["code"], wrong_sum["previewPurchase"]["field"]) == (
        "INVALID_INPUT",
        "amount",
    )
    assert dollars["previewPurchase"]["code"] == "UNSUPPORTED_CURRENCY"
    assert nobody["previewPurchase"]["code"] == "MEMBER_NOT_FOUND"
