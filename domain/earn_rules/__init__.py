"""Earn rules, one module each, in one table: every purchase is priced by each rule in turn.

Adding a rule kind: its module here (a class with `name` and `earn`, see `kind.EarnRule`)
and its line in `EARN_RULES`.
"""

from __future__ import annotations

from domain.earn_rules import base_rate
from domain.earn_rules.kind import Earning, EarnRule, Purchase
from domain.member import Member
from domain.program import Program

EARN_RULES: tuple[EarnRule, ...] = (base_rate.RULE,)


def earnings(purchase: Purchase, member: Member, program: Program) -> tuple[Earning, ...]:
    """What each rule gives for the purchase, in the table's order."""
    found = (rule.earn(purchase, member, program) for rule in EARN_RULES)
    return tuple(e for e in found if e is not None and e.points != 0)


__all__ = ["EARN_RULES", "EarnRule", "Earning", "Purchase", "earnings"]
