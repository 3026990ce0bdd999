"""Campaign budgets in the store, one document a campaign holding the points given so far,
kept in the reward stock's collection (both are limits shared by every member).

A reservation is one conditional update that can only succeed while the budget holds what it
adds: `{used: {$lte: budget - points}}` with `$inc`, atomic on every server and in the
embedded store, so concurrent purchases on different members never take more than the
budget. When less is left than a purchase wants it takes what is left, by compare-and-swap
on `used`."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

from pymongo.errors import DuplicateKeyError

from domain.campaigns import Campaign
from domain.program import Program
from storage.collection import Collection

MAX_ATTEMPTS = 64


def _key(campaign: Campaign) -> str:
    return f"campaign:{campaign.id}"


class MongoCampaignBudgets:
    def __init__(self, stock: Collection) -> None:
        self._stock = stock

    async def ensure(self, program: Program) -> None:
        for campaign in program.campaigns:
            if campaign.limits.budget is not None:
                await self._opened(campaign)

    async def _opened(self, campaign: Campaign) -> None:
        with contextlib.suppress(DuplicateKeyError):  # another instance opened it first
            await self._stock.update_one(
                {"_id": _key(campaign)}, {"$setOnInsert": {"used": 0}}, upsert=True
            )

    async def reserve(self, campaign: Campaign, points: int) -> int:
        budget = campaign.limits.budget
        assert budget is not None and points > 0
        result = await self._stock.update_one(
            {"_id": _key(campaign), "used": {"$lte": budget - points}}, {"$inc": {"used": points}}
        )
        if result.modified_count == 1:
            return points
        for _ in range(MAX_ATTEMPTS):  # less left than wanted: the rest, if any
            doc = await self._stock.find_one({"_id": _key(campaign)})
            if doc is None:  # a campaign added since start-up
                await self._opened(campaign)
                continue
            used = int(doc["used"])
            rest = min(points, budget - used)
            if rest <= 0:
                return 0
            result = await self._stock.update_one(
                {"_id": _key(campaign), "used": used}, {"$inc": {"used": rest}}
            )
            if result.modified_count == 1:
                return rest
        return 0  # fought over to the end: none this time, never more than the budget

    async def release(self, campaign: Campaign, points: int) -> None:
        await self._stock.update_one({"_id": _key(campaign)}, {"$inc": {"used": -points}})

    async def left(self, campaigns: Sequence[Campaign]) -> Mapping[str, int]:
        used: dict[str, int] = {}
        keys = [_key(c) for c in campaigns]
        async for doc in self._stock.find({"_id": {"$in": keys}}):
            used[doc["_id"]] = int(doc["used"])
        return {
            c.id: max(0, (c.limits.budget or 0) - used.get(_key(c), 0))
            for c in campaigns
            if c.limits.budget is not None
        }
