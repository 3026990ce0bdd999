"""The earn rules' table prices a purchase on the member as it was before it."""

from __future__ import annotations

from decimal import Decimal

from domain.earn_rules import EARN_RULES, Earning, Purchase, earnings
from tests.unit.support import T0, Ids, buy, demo_program, enrolled


def purchase(amount: str) -> Purchase:
    return Purchase("o-9", Decimal(amount), "EUR", "store-1", T0)


def test_the_base_rule_gives_rate_times_the_tier_held_before_the_purchase() -> None:
    ids = Ids()
    bronze = enrolled(ids)
    silver = buy(bronze, "o-1", "1000", T0, ids).member  # 1000 qualifying points: SILVER

    at_bronze = earnings(purchase("42.50"), bronze, demo_program())
    at_silver = earnings(purchase("42.50"), silver, demo_program())

    assert at_bronze == (Earning(42, True, "base", "BRONZE \u00d71 on 42.50 EUR"),)
    assert at_silver == (Earning(53, True, "base", "SILVER \u00d71.25 on 42.50 EUR"),)


def test_a_purchase_records_what_the_rules_give() -> None:
    ids = Ids()
    member = enrolled(ids)

    change = buy(member, "o-1", "42.50", T0, ids)

    expected = sum(e.points for e in earnings(purchase("42.50"), member, demo_program()))
    assert change.member.balance == expected == 42
    assert [rule.name for rule in EARN_RULES] == ["base"]
