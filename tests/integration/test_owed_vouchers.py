"""A challenge voucher left owed by a crash between the purchase that completed the round and
the voucher's issue (here: the store drops the voucher code's claim), on both stores: the
member shows the challenge completed and no voucher, and the expiry sweep issues it, once,
without waiting for the member's next purchase."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from pymongo.errors import AutoReconnect

from domain.channel import Channel
from domain.commands import MemberRef, PurchaseLine, RecordPurchase
from domain.handlers import record_purchase
from domain.ports import KeyRegistry
from tests.conftest import Api
from tests.integration.cron import ran, settled
from tests.integration.graphql import by_id
from tests.integration.steps import enrolled
from tests.integration.test_challenges import MUG, VOUCHERS, bought, cart, completions

BAG = PurchaseLine("MUG-1", "HOME", 1, Decimal("12.00"))


class LostVoucherClaims:
    """The key registry, but the link to the store drops every voucher code's claim: the
    purchase's own write has gone through, the voucher's issue fails after it."""

    def __init__(self, keys: KeyRegistry) -> None:
        self._keys = keys

    def __getattr__(self, name: str) -> Any:
        return getattr(self._keys, name)

    async def claim(self, key: str, member_id: str) -> str:
        if key.startswith("VOUCHER:"):
            raise AutoReconnect("connection closed")
        return await self._keys.claim(key, member_id)


async def vouchers(api: Api, member_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(VOUCHERS, {"ref": by_id(member_id)}))["member"]
    return found


async def owed_a_voucher(api: Api, email: str, order: str) -> str:
    """A member who bought at store-001, then at store-002 (`order`), which completed the
    two-stores round, and whose voucher's issue failed after the purchase was written."""
    given = await enrolled(api, email)
    await bought(api, given["id"], f"{order}-first", MUG)
    ports = api.tessera.ports
    crashing = replace(ports, keys=LostVoucherClaims(ports.keys))
    second_store = RecordPurchase(
        MemberRef(id=given["id"]),
        order,
        None,
        "EUR",
        Channel.POS,
        "store-002",
        f"key-{order}",
        (BAG,),
    )
    with pytest.raises(AutoReconnect):
        await record_purchase.handle(second_store, crashing)
    member_id: str = given["id"]
    return member_id


async def test_the_expiry_sweep_issues_a_voucher_a_crash_left_owed(api: Api) -> None:
    member_id = await owed_a_voucher(api, "owed@example.com", "w-2")
    await settled(api)
    owed = await vouchers(api, member_id)

    assert owed["challenges"][1]["completed"] is True
    assert owed["rewards"] == []  # completed, and its voucher not issued
    assert await ran(api, "expire_due") >= 1
    issued = await vouchers(api, member_id)
    await ran(api, "expire_due")  # and again: nothing more
    again = await vouchers(api, member_id)

    [voucher] = issued["rewards"]
    assert (voucher["status"], voucher["reward"]["id"]) == ("ACTIVE", "coffee")
    assert issued["balance"] == owed["balance"] == 2 * 12  # free
    [done] = completions(issued)
    assert f"a Free coffee voucher ({voucher['code']})" in done["reason"]
    assert again["rewards"] == issued["rewards"]


async def test_a_retried_purchase_issues_the_owed_voucher_too(api: Api) -> None:
    member_id = await owed_a_voucher(api, "retry@example.com", "r-2")

    retried = cart(member_id, "r-2", MUG)  # the till retries with the same key
    retried["input"]["storeId"] = "store-002"
    payload = (await api.data(RECORD, retried))["recordPurchase"]

    assert payload["__typename"] == "PointsEarned"
    assert [r["reward"]["id"] for r in payload["member"]["rewards"]] == ["coffee"]
    assert payload["member"]["balance"] == 2 * 12  # the retry replayed: no points twice


RECORD = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  __typename ... on PointsEarned { member { balance rewards { reward { id } } } } } }"""
