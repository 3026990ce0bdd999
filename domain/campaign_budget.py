"""Campaign budgets: the points a campaign gives in all, across members, never exceeded.

A purchase reserves what its campaigns want in the store, atomically (as a limited reward's
stock is), before it prices: the pricing then gives at most what was reserved, and what it
did not give (a replay, a refused purchase, a member limit met on a retry) is given back
after the write. A preview reads what is left and reserves nothing. Points a return takes
back are not given back to the budget: it counts what the campaign gave, and a campaign
that has ended cannot give them again anyway. A crash between the reservation and the
write leaves those points counted as given: the budget errs on the side of never exceeded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from domain.campaigns import Campaign


class CampaignBudgets(Protocol):
    async def reserve(self, campaign: Campaign, points: int) -> int:
        """Take up to `points` from the campaign's budget; how many were taken (0: spent)."""
        ...

    async def release(self, campaign: Campaign, points: int) -> None:
        """Give back points taken and not given."""
        ...

    async def left(self, campaigns: Sequence[Campaign]) -> Mapping[str, int]:
        """What each campaign's budget has left (campaigns with a budget only)."""
        ...
