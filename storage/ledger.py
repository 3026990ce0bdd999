"""Ledger entries: the member's history, newest first, with opaque cursors."""

from __future__ import annotations

from collections.abc import Sequence

from domain.ledger import LedgerEntry
from domain.ports import HistoryPage
from storage.collection import Collection
from storage.documents import entry_from_doc
from storage.pages import newest_first


class MongoLedger:
    def __init__(self, ledger: Collection) -> None:
        self._ledger = ledger

    async def entry(self, entry_id: str) -> LedgerEntry | None:
        doc = await self._ledger.find_one({"_id": entry_id})
        return None if doc is None else entry_from_doc(doc)

    async def history(
        self, member_ids: Sequence[str], first: int, after: str | None
    ) -> HistoryPage:
        query = {"member_id": {"$in": list(member_ids)}}
        docs, more = await newest_first(self._ledger, query, first, after, "history")
        page = tuple((cursor, entry_from_doc(d)) for cursor, d in docs)
        return HistoryPage(page, has_next_page=more)
