"""The outbox relay: after a member write commits, store its entries, then publish its event.

A crash between the steps leaves the item in the member's outbox; `sweep` finishes it at
start-up and on a timer. Ledger inserts are keyed by entry id, so a replay is harmless, and
subscribers discard versions they have already seen.
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo.errors import BulkWriteError

from domain.events import Commit
from domain.ports import EventPublisher
from storage.documents import event_from_doc, outbox_item
from storage.mongo import Collection

log = logging.getLogger(__name__)
DUPLICATE_KEY = 11000


class MongoOutbox:
    def __init__(self, members: Collection, ledger: Collection, publisher: EventPublisher) -> None:
        self._members = members
        self._ledger = ledger
        self._publisher = publisher

    async def deliver(self, commit: Commit) -> None:
        await self._relay(commit.member.id, [outbox_item(commit)])

    async def deliver_pending(self, member_id: str) -> None:
        doc = await self._members.find_one({"_id": member_id}, {"outbox": 1})
        if doc and doc.get("outbox"):
            await self._relay(member_id, doc["outbox"])

    async def sweep(self) -> int:
        """Relay every member's pending items; returns how many were found."""
        found = 0
        async for doc in self._members.find({"outbox.0": {"$exists": True}}, {"outbox": 1}):
            found += len(doc["outbox"])
            await self._relay(doc["_id"], doc["outbox"])
        return found

    async def _relay(self, member_id: str, items: list[dict[str, Any]]) -> None:
        items = sorted(items, key=lambda item: item["version"])
        entries = [entry for item in items for entry in item["entries"]]
        if entries:
            try:
                await self._ledger.insert_many(entries, ordered=False)
            except BulkWriteError as exc:
                if any(e["code"] != DUPLICATE_KEY for e in exc.details["writeErrors"]):
                    raise
        for item in items:
            try:
                await self._publisher.publish(event_from_doc(item["event"]))
            except Exception:
                # Stored but not yet published: keep it in the outbox for the next sweep.
                log.warning("publishing %s v%s failed; will retry", member_id, item["version"])
                return
        # Removed by value, as stored: FerretDB's $pull compares whole elements and ignores
        # a condition such as {"version": {"$in": [...]}}; $pullAll means the same on both.
        await self._members.update_one({"_id": member_id}, {"$pullAll": {"outbox": items}})
