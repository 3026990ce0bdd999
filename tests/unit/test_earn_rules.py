"""The earn rules' table prices a purchase on the member as it was before it."""

from __future__ import annotations

from decimal import Decimal

from domain.commands import PurchaseLine
from domain.earn_rules import EARN_RULES, Earning, Purchase, earnings
from tests.unit.support import T0, Ids, buy, demo_program, enrolled


def purchase(amount: str) -> Purchase:
    whole = PurchaseLine("", "", 1, Decimal(amount))
    return Purchase("o-9", Decimal(amount), "EUR", "store-1", T0, (whole,))


def test_the_base_rule_gives_rate_times_the_tier_held_before_the_purchase() -> None:
    ids = Ids()
    bronze = enrolled(ids)
    silver = buy(bronze, "o-1", "1000", T0, ids).member  # 1000 qualifying points: SILVER

    at_bronze = earnings(purchase("42.50"), bronze, demo_program())
    at_silver = earnings(purchase("42.50"), silver, demo_program())

    assert at_bronze == (Earning(42, True, "base", "BRONZE \u00d71 on 42.50 EUR", (42,)),)
    assert at_silver == (Earning(53, True, "base", "SILVER \u00d71.25 on 42.50 EUR", (53,)),)


def test_the_base_rule_prices_each_line_that_earns_on_its_own() -> None:
    ids = Ids()
    silver = buy(enrolled(ids), "o-1", "1000", T0, ids).member
    lines = (
        PurchaseLine("COF-1", "COFFEE", 3, Decimal("2.30")),  # 6.90 x1.25 = 8.625
        PurchaseLine("MUG-1", "HOME", 1, Decimal("9.99")),  # 12.4875
        PurchaseLine("GIFT-25", "GIFT_CARD", 1, Decimal("25.00"), earns=False),
    )
    cart = Purchase("o-9", Decimal("41.89"), "EUR", "store-1", T0, lines)

    (base,) = earnings(cart, silver, demo_program())

    assert base.per_line == (8, 12, 0)  # each rounded down on its own
    assert base.points == 20
    assert base.why == "SILVER \u00d71.25 on 16.89 EUR"  # what earns, not the gift card


def test_a_purchase_records_what_the_rules_give() -> None:
    ids = Ids()
    member = enrolled(ids)

    change = buy(member, "o-1", "42.50", T0, ids)

    expected = sum(e.points for e in earnings(purchase("42.50"), member, demo_program()))
    assert change.member.balance == expected == 42
    assert [rule.name for rule in EARN_RULES] == ["base", "campaigns"]
