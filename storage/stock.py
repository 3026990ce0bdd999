"""Stock of limited rewards, shared by all members: a claim list that cannot outgrow the stock."""

from __future__ import annotations

from collections.abc import Sequence

from domain.program import Program, Reward
from storage.collection import Collection


class MongoRewardStock:
    def __init__(self, stock: Collection) -> None:
        self._stock = stock

    async def ensure(self, program: Program) -> None:
        for reward in program.rewards:
            if reward.stock is not None:
                await self._stock.update_one(
                    {"_id": reward.id},
                    {"$set": {"stock": reward.stock}, "$setOnInsert": {"claims": []}},
                    upsert=True,
                )

    async def reserve(self, reward: Reward, member_reward_id: str) -> bool:
        assert reward.stock is not None
        if reward.stock <= 0:
            return False
        # Matches only while the claim list has fewer than `stock` items: atomic, no oversell.
        result = await self._stock.update_one(
            {"_id": reward.id, f"claims.{reward.stock - 1}": {"$exists": False}},
            {"$push": {"claims": member_reward_id}},
        )
        return bool(result.modified_count == 1)

    async def release(self, reward: Reward, member_reward_id: str) -> None:
        await self._stock.update_one({"_id": reward.id}, {"$pull": {"claims": member_reward_id}})

    async def available(self, rewards: Sequence[Reward]) -> dict[str, int | None]:
        limited = [r for r in rewards if r.stock is not None]
        counts: dict[str, int] = {}
        if limited:
            async for doc in self._stock.find({"_id": {"$in": [r.id for r in limited]}}):
                counts[doc["_id"]] = len(doc.get("claims", []))
        return {
            r.id: None if r.stock is None else max(0, r.stock - counts.get(r.id, 0))
            for r in rewards
        }
