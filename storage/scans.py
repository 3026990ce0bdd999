"""Queries over the member collection for the scheduled jobs, each backed by an index
(see `storage.mongo.ensure_indexes`). Merged-away duplicates are skipped: their state was
absorbed by the survivor, and sweeping them would publish updates for a frozen member.

Who is due is one comparison on a date the member document carries (`next_due_at`,
`next_expiry_at`, written with every save by `storage.documents.member_to_doc`), not a
condition on the fields of array elements: FerretDB refuses `$elemMatch` with conditions on
fields, and a scalar index is smaller than a multikey one anyway. The jobs check each member
found against the domain's own rule before they write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.mongo import Collection

_LIVE: dict[str, Any] = {"merged_into": None}


class MongoMemberScan:
    def __init__(self, members: Collection) -> None:
        self._members = members

    async def _ids(self, query: dict[str, Any], limit: int) -> tuple[str, ...]:
        cursor = self._members.find({**_LIVE, **query}, {"_id": 1}).sort("_id", 1).limit(limit)
        return tuple(str(d["_id"]) for d in await cursor.to_list(length=limit))

    async def housekeeping_due(self, now: datetime, limit: int) -> tuple[str, ...]:
        return await self._ids({"next_due_at": {"$lte": now}}, limit)

    async def expiring_before(self, until: datetime, limit: int) -> tuple[str, ...]:
        return await self._ids({"next_expiry_at": {"$lte": until}}, limit)

    async def live_after(self, after: str | None, limit: int) -> tuple[str, ...]:
        return await self._ids({} if after is None else {"_id": {"$gt": after}}, limit)
