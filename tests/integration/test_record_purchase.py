"""recordPurchase: earn at the tier held before the purchase, exactly once per key."""

from __future__ import annotations

import asyncio

from tests.conftest import Api
from tests.integration.graphql import PURCHASE, by_id, countdown, email, purchase
from tests.integration.steps import bought, enrolled, member


async def test_purchase_earns_floor_of_amount_times_rate_and_updates_the_view(api: Api) -> None:
    given = await enrolled(api, "earn@example.com")

    payload = await bought(api, given["id"], "o-1", "42.99")

    assert payload["entry"]["points"] == 42
    assert payload["entry"]["kind"] == "EARNED"
    assert payload["entry"]["storeId"] == "store-001"
    assert payload["member"]["balance"] == 42
    assert payload["member"]["version"] == given["version"] + 1
    assert countdown(payload["member"], "NEXT_REWARD") == {
        "kind": "NEXT_REWARD",
        "label": "108 points to Free coffee",
        "pointsRemaining": 108,
        "deadline": None,
    }


async def test_crossing_a_threshold_upgrades_at_once_and_the_next_purchase_earns_more(
    api: Api,
) -> None:
    given = await enrolled(api, "climber@example.com")

    crossing = await bought(api, given["id"], "o-1", "1000.00")
    after = await bought(api, given["id"], "o-2", "100.00")

    assert crossing["entry"]["points"] == 1000  # earned at BRONZE x1, the tier held before
    assert crossing["member"]["tier"]["code"] == "SILVER"
    assert after["entry"]["points"] == 125  # SILVER x1.25
    assert after["member"]["tierProgress"]["qualifyingPoints"] == 1125
    assert after["member"]["tierProgress"]["pointsToNextTier"] == 5000 - 1125


async def test_same_key_same_input_replays_the_first_result(api: Api) -> None:
    given = await enrolled(api, "retry@example.com")
    first = await bought(api, given["id"], "o-1", "10.00")

    again = await bought(api, given["id"], "o-1", "10.00")

    assert again["entry"]["id"] == first["entry"]["id"]
    assert again["member"]["balance"] == 10
    assert again["member"]["version"] == first["member"]["version"]


async def test_copies_of_one_purchase_sent_at_once_earn_once_and_answer_alike(api: Api) -> None:
    # A client that times out and retries races its own first request (two instances
    # loading the demo at once do the same): whichever copy writes second must replay.
    given = await enrolled(api, "racing@example.com")
    orders = [f"o-{n}" for n in range(12)]

    for order in orders:
        copies = await asyncio.gather(
            *(api.data(PURCHASE, purchase(by_id(given["id"]), order, "10.00")) for _ in range(3))
        )
        answers = {
            (c["recordPurchase"]["__typename"], c["recordPurchase"]["entry"]["id"]) for c in copies
        }
        assert len(answers) == 1 and next(iter(answers))[0] == "PointsEarned", copies

    assert (await member(api, given["id"]))["balance"] == 10 * len(orders)


async def test_same_key_different_input_is_refused_and_changes_nothing(api: Api) -> None:
    given = await enrolled(api, "reuse@example.com")
    await bought(api, given["id"], "o-1", "10.00")

    data = await api.data(PURCHASE, purchase(by_id(given["id"]), "o-2", "99.00", key="key-o-1"))

    assert data["recordPurchase"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (await member(api, given["id"]))["balance"] == 10


async def test_an_order_is_recorded_once_even_under_another_key(api: Api) -> None:
    given = await enrolled(api, "twice@example.com")
    await bought(api, given["id"], "o-1", "10.00")

    data = await api.data(PURCHASE, purchase(by_id(given["id"]), "o-1", "10.00", key="other"))

    assert data["recordPurchase"]["code"] == "ORDER_ALREADY_RECORDED"
    assert (await member(api, given["id"]))["balance"] == 10


async def test_a_foreign_currency_is_refused_not_converted(api: Api) -> None:
    given = await enrolled(api, "usd@example.com")

    data = await api.data(PURCHASE, purchase(by_id(given["id"]), "o-1", "10.00", currency="USD"))

    assert data["recordPurchase"]["code"] == "UNSUPPORTED_CURRENCY"
    assert (await member(api, given["id"]))["version"] == given["version"]


async def test_unknown_member_is_a_typed_error(api: Api) -> None:
    data = await api.data(PURCHASE, purchase(email("nobody@example.com"), "o-1", "10.00"))

    assert data["recordPurchase"]["__typename"] == "MemberNotFound"


async def test_pos_records_for_its_own_store_only(api: Api) -> None:
    given = await enrolled(api, "store@example.com")
    other_store = purchase(by_id(given["id"]), "o-1", "10.00", storeId="store-999")
    no_store = purchase(by_id(given["id"]), "o-2", "10.00")
    del no_store["input"]["storeId"]

    refused = await api.error_code(PURCHASE, other_store, api.pos)
    defaulted = await api.data(PURCHASE, no_store, api.pos)

    assert refused == "FORBIDDEN"
    assert defaulted["recordPurchase"]["entry"]["storeId"] == "store-001"
    assert (await member(api, given["id"]))["balance"] == 10


async def test_members_and_call_center_cannot_record_purchases(api: Api) -> None:
    variables = purchase(by_id("mbr_demo_ada"), "o-1", "10.00")
    member_token = api.token("member", member="mbr_demo_ada")

    assert await api.error_code(PURCHASE, variables, member_token) == "FORBIDDEN"
    assert await api.error_code(PURCHASE, variables, api.callcenter) == "FORBIDDEN"
    assert await api.error_code(PURCHASE, variables, None) == "UNAUTHENTICATED"
