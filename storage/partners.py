"""Partners' monthly budgets and members' link codes in the store.

A budget is a shared budget a partner and month (`storage.shared_budgets`), taken all or
nothing. A link code is one document in the key registry's collection under
`LINK_CODE:<partner>:<member id>`, holding only the code's digest: a member's new code for
a partner replaces the old one in place, so there is at most one a member and partner, and
a merge's repointing of the member's keys takes its codes along.
"""

from __future__ import annotations

from datetime import datetime

from domain.partners import Partner
from storage.collection import Collection
from storage.shared_budgets import SharedBudgets


def _budget_key(partner: Partner, month: str) -> str:
    return f"partner:{partner.name}:{month}"


class MongoPartnerStore:
    def __init__(self, stock: Collection, keys: Collection) -> None:
        self._budgets = SharedBudgets(stock)
        self._keys = keys

    async def reserve(self, partner: Partner, month: str, points: int) -> bool:
        key = _budget_key(partner, month)
        return await self._budgets.take(key, partner.monthly_budget, points, partial=False) > 0

    async def release(self, partner: Partner, month: str, points: int) -> None:
        await self._budgets.give_back(_budget_key(partner, month), points)

    async def left(self, partner: Partner, month: str) -> int:
        key = _budget_key(partner, month)
        used = (await self._budgets.used([key]))[key]
        return max(0, partner.monthly_budget - used)

    async def save_code(
        self, partner: str, member_id: str, digest: str, expires_at: datetime
    ) -> None:
        await self._keys.replace_one(
            {"_id": f"LINK_CODE:{partner}:{member_id}"},
            {
                "member_id": member_id,
                "link_code": digest,
                "partner": partner,
                "expires_at": expires_at,
                "used_for": None,
            },
            upsert=True,
        )

    async def use_code(
        self, partner: str, digest: str, external_id: str, now: datetime
    ) -> str | None:
        # Found, then spent by a conditional update: of two partner calls racing with one
        # code for different external ids, one links and the other is refused.
        spendable = {"used_for": {"$in": [None, external_id]}}
        doc = await self._keys.find_one(
            {"link_code": digest, "partner": partner, "expires_at": {"$gt": now}, **spendable}
        )
        if doc is None:
            return None
        spent = await self._keys.update_one(
            {"_id": doc["_id"], "link_code": digest, **spendable},
            {"$set": {"used_for": external_id}},
        )
        return str(doc["member_id"]) if spent.matched_count == 1 else None
