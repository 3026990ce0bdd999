"""Queries over the member collection for the scheduled jobs, a page at a time after a
position, each backed by an index (see `storage.mongo.ensure_indexes`). Merged-away
duplicates are skipped: their state was absorbed by the survivor, and sweeping them would
publish updates for a frozen member.

Who is due is one comparison on a date the member document carries (`next_due_at`,
`next_expiry_at`, written with every save by `storage.documents.member_to_doc`), not a
condition on the fields of array elements: FerretDB refuses `$elemMatch` with conditions on
fields, and a scalar index is smaller than a multikey one anyway. Pages go in the order of
the compound index (that date, then `_id`), so a page reads only its own members. The jobs
check each member found against the domain's own rule before they write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.sweeps import Position
from storage.collection import Collection
from storage.documents import utc

_LIVE: dict[str, Any] = {"merged_into": None}


def _dated_after(field: str, until: datetime, after: Position | None) -> dict[str, Any]:
    """Members whose `field` is at most `until`, after `after` in (`field`, `_id`) order."""
    if after is None or after.at is None:
        return {field: {"$lte": until}}
    return {
        field: {"$lte": until},
        "$or": [
            {field: {"$gt": after.at}},
            {field: after.at, "_id": {"$gt": after.member_id}},
        ],
    }


class MongoMemberScan:
    def __init__(self, members: Collection) -> None:
        self._members = members

    async def _dated(
        self, field: str, until: datetime, after: Position | None, limit: int
    ) -> tuple[Position, ...]:
        query = {**_LIVE, **_dated_after(field, until, after)}
        cursor = self._members.find(query, {field: 1}).sort([(field, 1), ("_id", 1)]).limit(limit)
        return tuple(
            Position(str(d["_id"]), utc(d[field])) for d in await cursor.to_list(length=limit)
        )

    async def housekeeping_due(
        self, now: datetime, after: Position | None, limit: int
    ) -> tuple[Position, ...]:
        return await self._dated("next_due_at", now, after, limit)

    async def expiring_before(
        self, until: datetime, after: Position | None, limit: int
    ) -> tuple[Position, ...]:
        return await self._dated("next_expiry_at", until, after, limit)

    async def live_after(self, after: Position | None, limit: int) -> tuple[Position, ...]:
        query = {**_LIVE, **({} if after is None else {"_id": {"$gt": after.member_id}})}
        cursor = self._members.find(query, {"_id": 1}).sort("_id", 1).limit(limit)
        return tuple(Position(str(d["_id"])) for d in await cursor.to_list(length=limit))
