"""Budgets of points shared by every member, one document a budget holding the points given
so far, kept in the reward stock's collection: a campaign's (`storage.campaign_budgets`) and
a partner's month (`storage.partners`).

A reservation is one conditional update that can only succeed while the budget holds what it
adds: `{used: {$lte: budget - points}}` with `$inc`, atomic on every server and in the
embedded store, so concurrent requests on different members never take more than the budget.
When less is left than a request wants, a partial reservation takes what is left, by
compare-and-swap on `used`; an all-or-nothing one takes nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence

from pymongo.errors import DuplicateKeyError

from storage.collection import Collection

MAX_ATTEMPTS = 64


class SharedBudgets:
    def __init__(self, stock: Collection) -> None:
        self._stock = stock

    async def open(self, key: str) -> None:
        with contextlib.suppress(DuplicateKeyError):  # another instance opened it first
            await self._stock.update_one({"_id": key}, {"$setOnInsert": {"used": 0}}, upsert=True)

    async def take(self, key: str, budget: int, points: int, partial: bool) -> int:
        """Up to `points` from the budget (all of them or none unless `partial`); how many."""
        assert points > 0
        for _ in range(MAX_ATTEMPTS):
            result = await self._stock.update_one(
                {"_id": key, "used": {"$lte": budget - points}}, {"$inc": {"used": points}}
            )
            if result.modified_count == 1:
                return points
            doc = await self._stock.find_one({"_id": key})
            if doc is None:  # a budget not opened yet (a new month, a campaign added since)
                await self.open(key)
                continue
            if not partial:
                return 0
            used = int(doc["used"])
            rest = min(points, budget - used)
            if rest <= 0:
                return 0
            result = await self._stock.update_one(
                {"_id": key, "used": used}, {"$inc": {"used": rest}}
            )
            if result.modified_count == 1:
                return rest
        return 0  # fought over to the end: none this time, never more than the budget

    async def give_back(self, key: str, points: int) -> None:
        await self._stock.update_one({"_id": key}, {"$inc": {"used": -points}})

    async def used(self, keys: Sequence[str]) -> Mapping[str, int]:
        """Points given so far under each key (a budget not opened yet: none)."""
        found = {key: 0 for key in keys}
        async for doc in self._stock.find({"_id": {"$in": list(keys)}}):
            found[doc["_id"]] = int(doc["used"])
        return found
