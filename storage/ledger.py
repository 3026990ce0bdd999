"""Ledger entries: the member's history, newest first, with opaque cursors."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.errors import InvalidInput
from domain.ledger import LedgerEntry
from domain.ports import HistoryPage
from storage.documents import entry_from_doc, utc
from storage.mongo import Collection

MAX_PAGE = 100


def encode_cursor(doc: dict[str, Any]) -> str:
    millis = int(utc(doc["created_at"]).timestamp() * 1000)
    raw = f"{millis}|{doc['_id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        millis, entry_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromtimestamp(int(millis) / 1000, UTC), entry_id
    except ValueError:
        raise InvalidInput("after", "not a cursor from this history") from None


class MongoLedger:
    def __init__(self, ledger: Collection) -> None:
        self._ledger = ledger

    async def entry(self, entry_id: str) -> LedgerEntry | None:
        doc = await self._ledger.find_one({"_id": entry_id})
        return None if doc is None else entry_from_doc(doc)

    async def history(
        self, member_ids: Sequence[str], first: int, after: str | None
    ) -> HistoryPage:
        if not 0 <= first <= MAX_PAGE:
            raise InvalidInput("first", f"between 0 and {MAX_PAGE}")
        query: dict[str, Any] = {"member_id": {"$in": list(member_ids)}}
        if after is not None:
            at, entry_id = decode_cursor(after)
            query["$or"] = [
                {"created_at": {"$lt": at}},
                {"created_at": at, "_id": {"$lt": entry_id}},
            ]
        cursor = self._ledger.find(query).sort([("created_at", -1), ("_id", -1)]).limit(first + 1)
        docs = await cursor.to_list(length=first + 1)
        page = tuple((encode_cursor(d), entry_from_doc(d)) for d in docs[:first])
        return HistoryPage(page, has_next_page=len(docs) > first)
