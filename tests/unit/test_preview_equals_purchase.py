"""A preview followed by the purchase gives the same points, line by line and rule by rule,
and the same member after, for random carts on members of every tier under random campaigns
(some with budgets partly spent); a preview writes nothing. Through the handlers, on the
fakes."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.channel import Channel
from domain.commands import MemberRef, PurchaseLine, RecordPurchase
from domain.handlers import preview_purchase, record_purchase
from domain.program import Program
from tests.unit.campaign_support import SATURDAY, program_with
from tests.unit.fakes import World
from tests.unit.support import CARTS, demo_program

EFFECTS = st.one_of(
    st.builds(lambda m: {"multiplier": m}, st.sampled_from(["1.5", "2", "3"])),
    st.builds(lambda b: {"bonus": b}, st.integers(1, 500)),
    st.builds(lambda b: {"bonus_per_unit": b}, st.integers(1, 50)),
)
CONDITIONS = st.fixed_dictionaries(
    {},
    optional={
        "categories": st.sampled_from([["COFFEE"], ["HOME", "GIFT_CARD"]]),
        "skus": st.sampled_from([["COF-1"], ["MUG-1", "TEA-1"]]),
        "min_spend": st.sampled_from(["10", "100.50"]),
        "tiers": st.sampled_from([["BRONZE"], ["SILVER", "GOLD"]]),
        "days": st.sampled_from([["sat"], ["mon", "tue"]]),
        "stacking": st.sampled_from(["additive", "exclusive"]),
        "priority": st.integers(0, 3),
        "qualifying": st.booleans(),
        "per_member": st.integers(1, 2),
        "budget": st.integers(1, 2000),
    },
)
CAMPAIGNS = st.lists(st.tuples(EFFECTS, CONDITIONS), max_size=4).map(
    lambda found: [
        {"id": f"c{n}", "name": f"Campaign {n}", **effect, **conditions}
        for n, (effect, conditions) in enumerate(found)
    ]
)


async def _compare(
    spent_before: int,
    cart: list[PurchaseLine],
    program: Program | None = None,
    budget_spent: int = 0,
) -> None:
    world = World(program=program or demo_program())
    world.clock.current = SATURDAY
    for campaign in world.program.campaigns:  # budgets partly spent by other members
        if campaign.limits.budget is not None:
            world.budgets.used[campaign.id] = min(budget_spent, campaign.limits.budget)
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
    # rule by rule: the entry's reason lists each rule that gave points, and why
    assert "; ".join(e.why for e in preview.priced.earnings) == (bought.entry.reason or "")
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


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([0, 1000, 6000]), CARTS, CAMPAIGNS, st.integers(0, 2500))
def test_a_preview_prices_a_cart_as_the_purchase_records_it_under_campaigns(
    spent_before: int, cart: list[PurchaseLine], campaigns: list[dict[str, object]], spent: int
) -> None:
    asyncio.run(_compare(spent_before, cart, program_with(*campaigns), spent))
