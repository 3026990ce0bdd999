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
        """Each line that earns is priced on its own, rounded down (so a return of a line
        takes back exactly what that line earned)."""
        tier = program.tier(member.tier.code)
        per_line = tuple(
            points_for(line.total, program, tier.code) if line.earns else 0
            for line in purchase.lines
        )
        earning = sum((line.total for line in purchase.lines if line.earns), Decimal(0))
        times = "\N{MULTIPLICATION SIGN}"
        why = f"{tier.code} {times}{tier.earn_multiplier} on {earning} {purchase.currency}"
        return Earning(sum(per_line), qualifying=True, rule=self.name, why=why, per_line=per_line)


RULE = BaseRate()
