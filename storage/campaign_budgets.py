"""Campaign budgets in the store: a shared budget (`storage.shared_budgets`) a campaign, of
which a purchase takes what is left when less is left than it wants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.campaigns import Campaign
from domain.program import Program
from storage.collection import Collection
from storage.shared_budgets import SharedBudgets


def _key(campaign: Campaign) -> str:
    return f"campaign:{campaign.id}"


class MongoCampaignBudgets:
    def __init__(self, stock: Collection) -> None:
        self._budgets = SharedBudgets(stock)

    async def ensure(self, program: Program) -> None:
        for campaign in program.campaigns:
            if campaign.limits.budget is not None:
                await self._budgets.open(_key(campaign))

    async def reserve(self, campaign: Campaign, points: int) -> int:
        budget = campaign.limits.budget
        assert budget is not None
        return await self._budgets.take(_key(campaign), budget, points, partial=True)

    async def release(self, campaign: Campaign, points: int) -> None:
        await self._budgets.give_back(_key(campaign), points)

    async def left(self, campaigns: Sequence[Campaign]) -> Mapping[str, int]:
        budgeted = [c for c in campaigns if c.limits.budget is not None]
        used = await self._budgets.used([_key(c) for c in budgeted])
        return {c.id: max(0, (c.limits.budget or 0) - used[_key(c)]) for c in budgeted}
