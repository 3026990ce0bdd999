"""What commands recorded outside the member: the requests it spilled (for replays it no
longer holds), kept by member and key in `requests`; purchases' orders (for returns), kept
with their EARNED entries in the ledger; and what redemptions took from each batch (for a
cancel), kept with their REDEEMED entries (`storage.entry_records`).

Both wait in the member's outbox until the relay copies them out, then leave it; so the
outbox is read first and the collection second, and a record moving between them in the
meantime is found in one or the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from domain.ledger import PointBatch
from domain.member import IdempotencyRecord, OrderRecord
from storage.collection import Collection
from storage.documents import Doc, legacy_order_from_doc, request_from_doc
from storage.entry_records import order_from_entry_doc, paid_from_entry_doc


class MongoRecorded:
    def __init__(self, members: Collection, ledger: Collection, requests: Collection) -> None:
        self._members = members
        self._ledger = ledger
        self._requests = requests

    async def request(self, member_ids: Sequence[str], key: str) -> IdempotencyRecord | None:
        docs = await self._members_with(member_ids, {"outbox": 1})
        pending = (r for d in docs for i in d.get("outbox", ()) for r in i.get("requests", ()))
        found = next((r for r in pending if r["key"] == key), None)
        if found is not None:
            return request_from_doc(found)
        for member_id in member_ids:  # by _id: one lookup each, on any server
            doc = await self._requests.find_one({"_id": f"{member_id}:{key}"})
            if doc is not None:
                return request_from_doc(doc)
        return None

    async def forget_requests(self, recorded_before: datetime) -> int:
        result = await self._requests.delete_many({"recorded_at": {"$lt": recorded_before}})
        return int(result.deleted_count)

    async def order_entry(self, entry_id: str) -> OrderRecord | None:
        doc = await self._ledger.find_one({"_id": entry_id})
        return order_from_entry_doc(doc) if doc is not None and "order" in doc else None

    async def order(self, order_id: str, member_ids: Sequence[str]) -> OrderRecord | None:
        docs = await self._members_with(member_ids, {"outbox": 1, "orders": 1})
        for entry in _entries(docs):
            if entry.get("order_id") == order_id and "order" in entry:
                return order_from_entry_doc(entry)
        doc = await self._ledger.find_one({"order_id": order_id, "kind": "EARNED"})
        if doc is not None and "order" in doc:
            return order_from_entry_doc(doc)
        # Kept in the member document by versions before orders moved to the ledger.
        legacy = (o for d in docs for o in d.get("orders", ()) if o["order_id"] == order_id)
        found = next(legacy, None)
        return None if found is None else legacy_order_from_doc(found)

    async def paid_from(
        self, entry_id: str, member_ids: Sequence[str]
    ) -> tuple[PointBatch, ...] | None:
        docs = await self._members_with(member_ids, {"outbox": 1})
        pending = next((e for e in _entries(docs) if e["_id"] == entry_id), None)
        doc = pending or await self._ledger.find_one({"_id": entry_id})
        return None if doc is None else paid_from_entry_doc(doc)

    async def redeemed_by(self, member_reward_id: str) -> str | None:
        doc = await self._ledger.find_one({"member_reward_id": member_reward_id}, {"member_id": 1})
        return None if doc is None else str(doc["member_id"])

    async def _members_with(self, member_ids: Sequence[str], fields: Doc) -> list[Doc]:
        cursor = self._members.find({"_id": {"$in": list(member_ids)}}, fields)
        return list(await cursor.to_list(length=None))


def _entries(docs: list[Doc]) -> Iterator[Doc]:
    for doc in docs:
        for item in doc.get("outbox", ()):
            yield from item["entries"]
