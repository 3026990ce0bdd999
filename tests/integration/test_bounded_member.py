"""A member's document stays bounded however long its history, and nothing it no longer
holds is lost: old orders can still be returned, old requests still replay, an order id
still records once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import bson

from domain.clock import SettableClock
from domain.idempotency import RECENT_REQUESTS
from tests.conftest import Api
from tests.integration.graphql import PURCHASE, RETURN, by_id, purchase
from tests.integration.steps import bought, enrolled


async def stored_size(api: Api, member_id: str) -> int:
    doc = await api.tessera.collections.members.find_one({"_id": member_id})
    assert doc is not None
    return len(bson.encode(doc))


async def purchases(api: Api, member_id: str, first: int, count: int) -> list[dict[str, Any]]:
    return [await bought(api, member_id, f"o-{n}", "10.00") for n in range(first, first + count)]


async def test_many_purchases_in_a_day_leave_the_document_the_same_size(api: Api) -> None:
    given = await enrolled(api, "daily@example.com")
    await purchases(api, given["id"], 0, RECENT_REQUESTS)
    size_when_full = await stored_size(api, given["id"])

    await purchases(api, given["id"], RECENT_REQUESTS, 60)

    # one batch, one day, the latest requests: nothing grows with the number of purchases
    # (but a few digits of the sums, and the date from which older requests are looked up)
    assert await stored_size(api, given["id"]) <= size_when_full + 64
    last = await bought(api, given["id"], "o-last", "10.00")
    total = 10 * (RECENT_REQUESTS + 61)
    assert last["member"]["balance"] == total
    assert last["member"]["tierProgress"]["qualifyingPoints"] == total


async def test_an_order_older_than_the_members_latest_requests_can_be_returned(
    api: Api,
) -> None:
    given = await enrolled(api, "keeper@example.com")
    await bought(api, given["id"], "old-order", "80.00")
    await purchases(api, given["id"], 0, RECENT_REQUESTS + 8)

    returned = await api.data(
        RETURN,
        {"input": {"orderId": "old-order", "amount": "80.00", "idempotencyKey": "ret-old"}},
        api.pos,
    )

    payload = returned["returnPurchase"]
    assert payload["__typename"] == "PurchaseReturned", payload
    assert payload["entry"]["points"] == -80
    assert payload["member"]["balance"] == 10 * (RECENT_REQUESTS + 8)


async def test_a_request_the_member_no_longer_holds_still_replays(api: Api) -> None:
    given = await enrolled(api, "replay@example.com")
    first = await bought(api, given["id"], "first", "25.00")
    await purchases(api, given["id"], 0, RECENT_REQUESTS + 8)
    balance = 25 + 10 * (RECENT_REQUESTS + 8)

    again = await bought(api, given["id"], "first", "25.00")  # the same key, sent again
    reused = await api.data(PURCHASE, purchase(by_id(given["id"]), "other", "1.00", "key-first"))
    twice = await api.data(PURCHASE, purchase(by_id(given["id"]), "first", "25.00", "new-key"))

    assert again["entry"]["id"] == first["entry"]["id"]
    assert again["member"]["balance"] == balance
    assert reused["recordPurchase"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert twice["recordPurchase"]["code"] == "ORDER_ALREADY_RECORDED"


async def test_an_order_id_sent_again_after_its_key_is_forgotten_is_refused(
    api: Api, clock: SettableClock
) -> None:
    given = await enrolled(api, "late@example.com")
    await bought(api, given["id"], "o-late", "40.00")
    clock.advance(timedelta(days=3))  # past the 48 hours keys are kept

    again = await api.data(PURCHASE, purchase(by_id(given["id"]), "o-late", "40.00"))

    assert again["recordPurchase"]["code"] == "ORDER_ALREADY_RECORDED"
