"""Earn rules, one module each, in one table: every purchase is priced by each rule in turn.

Adding a rule kind: its module here (a class with `name` and `earn`, see `kind.EarnRule`)
and its line in `EARN_RULES`.
"""

from __future__ import annotations

from domain.earn_rules import base_rate, campaigns
from domain.earn_rules.kind import Earning, EarnRule, Purchase
from domain.member import Member
from domain.program import Program

EARN_RULES: tuple[EarnRule, ...] = (base_rate.RULE, campaigns.RULE)


def earnings(purchase: Purchase, member: Member, program: Program) -> tuple[Earning, ...]:
    """What each rule gives for the purchase, in the table's order."""
    found: list[Earning] = []
    for rule in EARN_RULES:
        earned = rule.earn(purchase, member, program)
        found.extend(earned if isinstance(earned, tuple) else () if earned is None else (earned,))
    return tuple(e for e in found if e.points != 0)


__all__ = ["EARN_RULES", "EarnRule", "Earning", "Purchase", "earnings"]
