"""What commands recorded with their ledger entries: requests (for replays the member no
longer holds) and purchases' orders (for returns).

A commit's entries wait in the member's outbox until the relay copies them to the ledger,
then leave it; so the outbox is read first and the ledger second, and an entry moving
between them in the meantime is found in one or the other.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from domain.member import IdempotencyRecord, OrderRecord
from storage.collection import Collection
from storage.documents import (
    Doc,
    legacy_order_from_doc,
    order_from_entry_doc,
    request_from_doc,
)


class MongoRecorded:
    def __init__(self, members: Collection, ledger: Collection) -> None:
        self._members = members
        self._ledger = ledger

    async def request(self, member_ids: Sequence[str], key: str) -> IdempotencyRecord | None:
        for entry in _entries(await self._members_with(member_ids, {"outbox": 1})):
            if entry.get("request", {}).get("key") == key:
                return request_from_doc(entry["request"])
        query = {"request.key": key, "member_id": {"$in": list(member_ids)}}
        doc = await self._ledger.find_one(query)
        return None if doc is None else request_from_doc(doc["request"])

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

    async def _members_with(self, member_ids: Sequence[str], fields: Doc) -> list[Doc]:
        cursor = self._members.find({"_id": {"$in": list(member_ids)}}, fields)
        return list(await cursor.to_list(length=None))


def _entries(docs: list[Doc]) -> Iterator[Doc]:
    for doc in docs:
        for item in doc.get("outbox", ()):
            yield from item["entries"]
