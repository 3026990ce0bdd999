"""Builders for campaign tests: the demo program with campaigns of the test's own, carts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.channel import Channel
from domain.commands import PurchaseLine
from domain.earn_rules import Earning, Purchase, earnings
from domain.member import Member
from domain.program import Program, load_program
from tests.unit.support import demo_file

# Saturday 5 December 2026, 11:00 in Paris (the demo program's zone).
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

COFFEE = PurchaseLine("COF-1", "COFFEE", 2, Decimal("15.00"))  # 30.00
MUG = PurchaseLine("MUG-1", "HOME", 1, Decimal("12.00"))
GIFT = PurchaseLine("GIFT-25", "COFFEE", 1, Decimal("25.00"), earns=False)


def program_with(*campaigns: Mapping[str, Any]) -> Program:
    data = demo_file()
    data["campaigns"] = [dict(c) for c in campaigns]
    return load_program(data)


def campaign(**settings: Any) -> dict[str, Any]:
    """A campaign that runs always and doubles every line, but for what `settings` say."""
    effects = {"multiplier", "bonus", "bonus_per_unit"}
    default = {} if effects & set(settings) else {"multiplier": 2}
    return {"id": "c1", "name": "Double points", **default, **settings}


def cart(
    *lines: PurchaseLine,
    at: datetime = SATURDAY,
    channel: Channel = Channel.POS,
    store: str | None = "store-1",
    budgets: Mapping[str, int] | None = None,
) -> Purchase:
    total = sum((line.total for line in lines), Decimal(0))
    return Purchase("o-1", total, "EUR", store, at, lines, channel, budgets)


def campaign_earnings(program: Program, member: Member, purchase: Purchase) -> list[Earning]:
    return [e for e in earnings(purchase, member, program) if e.rule.startswith("campaign:")]


def born(member: Member, birthday: date, time_zone: str | None = None) -> Member:
    return replace(member, birthday=birthday, time_zone=time_zone)
