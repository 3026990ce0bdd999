"""What an earn rule is: given a purchase and the member as it was before it, the points it
gives and why. Rules are pure and see the same inputs, so a preview and the purchase itself
price a cart the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from domain.channel import Channel
from domain.commands import PurchaseLine
from domain.member import Member
from domain.program import Program


@dataclass(frozen=True, slots=True)
class Purchase:
    """What the rules price: the order as recorded (validated amount and store), and its
    lines (an amount-only purchase is one line that earns)."""

    order_id: str
    amount: Decimal
    currency: str
    store_id: str | None
    at: datetime
    lines: tuple[PurchaseLine, ...]
    channel: Channel | None = None
    # The points each campaign with a budget may still give (`domain.campaign_budget`): what
    # a purchase reserved, or what a preview read; None: none known, so they give nothing.
    budgets: Mapping[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Earning:
    """What one rule gives: in all, and on each of the purchase's lines (which sum to it)."""

    points: int
    qualifying: bool  # counts towards the tier
    rule: str  # which rule gave them
    why: str  # for people, e.g. "SILVER x1.25 on 42.50 EUR"
    per_line: tuple[int, ...]


class EarnRule(Protocol):
    name: str

    def earn(
        self, purchase: Purchase, member: Member, program: Program
    ) -> Earning | tuple[Earning, ...] | None:
        """The points this rule gives for the purchase, or None when it does not apply (a
        rule standing for several, as the program's campaigns, gives one Earning each)."""
        ...
