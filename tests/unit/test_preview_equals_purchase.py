"""A preview followed by the purchase gives the same points, line by line and rule by rule,
and the same member after, for random carts on members of every tier; a preview writes
nothing. Through the handlers, on the fakes."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.channel import Channel
from domain.commands import MemberRef, PurchaseLine, RecordPurchase
from domain.handlers import preview_purchase, record_purchase
from tests.unit.fakes import World
from tests.unit.support import CARTS


async def _compare(spent_before: int, cart: list[PurchaseLine]) -> None:
    world = World()
    member = await world.enroll()
    ref = MemberRef(id=member.id)
    if spent_before:  # a member higher up: SILVER at 1000, GOLD at 5000
        warm_up = RecordPurchase(ref, "o-0", Decimal(spent_before), "EUR", Channel.POS, None, "k-0")
        await record_purchase.handle(warm_up, world.ports)
    cmd = RecordPurchase(ref, "o-1", None, "EUR", Channel.POS, "store-1", "k-1", tuple(cart))
    version = (await world.store.get(member.id)).version  # type: ignore[union-attr]

    preview = await preview_purchase.handle(cmd, world.ports)
    unchanged = await world.store.get(member.id)
    bought = await record_purchase.handle(cmd, world.ports)

    assert unchanged is not None and unchanged.version == version  # the preview wrote nothing
    assert preview.priced.points == bought.entry.points
    assert preview.line_records == bought.lines
    assert (preview.after.balance, preview.after.tier.code) == (
        bought.member.balance,
        bought.member.tier.code,
    )


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([0, 1000, 6000]), CARTS)
def test_a_preview_prices_a_cart_as_the_purchase_records_it(
    spent_before: int, cart: list[PurchaseLine]
) -> None:
    asyncio.run(_compare(spent_before, cart))
