"""The base rule: the program's earn rate times the multiplier of the tier the member held
before the purchase, rounded down; qualifying points."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from domain.earn_rules.kind import Earning, Purchase
from domain.member import Member
from domain.program import Program


def points_for(amount: Decimal, program: Program, tier_code: str) -> int:
    raw = amount * program.earn_rate * program.tier(tier_code).earn_multiplier
    return int(raw.to_integral_value(rounding=ROUND_FLOOR))


class BaseRate:
    name = "base"

    def earn(self, purchase: Purchase, member: Member, program: Program) -> Earning | None:
        tier = program.tier(member.tier.code)
        points = points_for(purchase.amount, program, tier.code)
        times = "\N{MULTIPLICATION SIGN}"
        why = f"{tier.code} {times}{tier.earn_multiplier} on {purchase.amount} {purchase.currency}"
        return Earning(points, qualifying=True, rule=self.name, why=why)


RULE = BaseRate()
