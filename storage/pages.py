"""Newest-first pages with opaque cursors, for every list a surface pages through (a
member's history, a member's messages): ordered by (created_at, _id), so items made in the
same millisecond keep one order and a page never repeats or skips one."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from domain.errors import InvalidInput
from storage.collection import Collection
from storage.documents import utc

MAX_PAGE = 100


def encode_cursor(doc: dict[str, Any]) -> str:
    millis = int(utc(doc["created_at"]).timestamp() * 1000)
    return base64.urlsafe_b64encode(f"{millis}|{doc['_id']}".encode()).decode()


def decode_cursor(cursor: str, listing: str) -> tuple[datetime, str]:
    try:
        millis, item_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromtimestamp(int(millis) / 1000, UTC), item_id
    except (ValueError, OverflowError, OSError):  # OverflowError: a time past datetime's range
        raise InvalidInput("after", f"not a cursor from this {listing}") from None


async def newest_first(
    collection: Collection, query: dict[str, Any], first: int, after: str | None, listing: str
) -> tuple[list[tuple[str, dict[str, Any]]], bool]:
    """One page of `query`: (cursor, document) pairs and whether more follow."""
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput("first", f"between 0 and {MAX_PAGE}")
    if after is not None:
        at, item_id = decode_cursor(after, listing)
        query = {
            **query,
            "$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": item_id}}],
        }
    found = collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(first + 1)
    docs: list[dict[str, Any]] = await found.to_list(length=first + 1)
    return [(encode_cursor(d), d) for d in docs[:first]], len(docs) > first
