"""The embedded store (mongomock) made to behave like a MongoDB server on the way in.

mongomock keeps Python objects as they are given, so it accepted what MongoDB refuses: a
string holding a lone surrogate was stored in a member, and the ledger insert that followed
failed half-way through a command. pymongo BSON-encodes every command before anything is
sent, so on a real server an unencodable value fails before any write. Here every document,
update and filter goes through the same BSON encoding (and back, so that what mongomock
keeps is what MongoDB would keep: UTC datetimes cut to the millisecond, lists for tuples),
and a document over MongoDB's size limit is refused as pymongo refuses it.

mongomock also answers without ever yielding to the event loop; a real database always
does. Yielding once per call lets concurrent requests interleave as they do in production,
so the races that compare-and-swap settles happen on the embedded store too.

Lookups by `_id`, and by the leading field of the indexes the app creates, are narrowed to
the documents they can match (`storage.embedded_index`) instead of mongomock's full scan,
so they cost the same at 50,000 members as at 1,000; a sorted page along a compound index
walks that index's order (`storage.embedded_order`), so a member's first page of history
costs the same at 10,000 entries as at 10. Every write here keeps both right. An update of
one document by `_id` copies only the parts it changes (`storage.embedded_update`), where
mongomock deep-copies the whole document first; a read of one by `_id` is copied out
through BSON (`storage.embedded_read`), where mongomock copies it value by value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

import bson
from bson.codec_options import CodecOptions
from pymongo.errors import DocumentTooLarge

from storage.embedded_cursor import EmbeddedCursor
from storage.embedded_index import EqualityIndex, index_of
from storage.embedded_read import read_by_id
from storage.embedded_update import update_by_id

MAX_BSON_SIZE = 16 * 1024 * 1024  # MongoDB's maxBsonObjectSize
_AS_STORED: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True, tzinfo=UTC)

Doc = dict[str, Any]


def as_mongodb_stores(document: Doc) -> Doc:
    """`document` encoded as pymongo would send it, and decoded as MongoDB gives it back."""
    encoded = bson.encode(document)
    if len(encoded) > MAX_BSON_SIZE:
        raise DocumentTooLarge(f"BSON document too large ({len(encoded)} bytes)")
    return bson.decode(encoded, codec_options=_AS_STORED)


def _checked(value: Any) -> Any:
    return None if value is None else as_mongodb_stores(value)


class EmbeddedCollection:
    """A mongomock-motor collection that refuses what MongoDB refuses, yields, and finds by
    `_id` and by its indexes' leading fields without a full scan."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection
        # The mongomock collection mongomock-motor forwards to (a private attribute; it
        # patches that object's scan too, as `index_of` does).
        self._mongomock = collection._AsyncMongoMockCollection__collection
        self._index: EqualityIndex = index_of(self._mongomock)

    def __getattr__(self, name: str) -> Any:
        if name in _UNINDEXED_WRITES:  # a write here would leave the index behind
            raise AttributeError(f"{name} is not supported by the embedded store")
        return getattr(self._collection, name)

    def find(self, filter: Doc | None = None, *args: Any, **kwargs: Any) -> EmbeddedCursor:
        return EmbeddedCursor(self._collection.find(_checked(filter), *args, **kwargs), self._index)

    async def find_one(self, filter: Doc | None = None, *args: Any, **kwargs: Any) -> Any:
        checked = _checked(filter)
        await asyncio.sleep(0)
        if not kwargs and len(args) <= 1:
            found = read_by_id(self._mongomock, checked, *args)
            if found is not None:
                return found[0]
        return await self._collection.find_one(checked, *args, **kwargs)

    async def count_documents(self, filter: Doc, **kwargs: Any) -> Any:
        return await self._call(self._collection.count_documents, _checked(filter), **kwargs)

    async def insert_one(self, document: Doc, **kwargs: Any) -> Any:
        if "_id" not in document:  # pymongo sets it on the caller's document too
            document["_id"] = bson.ObjectId()
        stored = as_mongodb_stores(document)
        await asyncio.sleep(0)
        try:
            return await self._collection.insert_one(stored, **kwargs)
        finally:
            self._index.reindex([stored["_id"]])

    async def insert_many(self, documents: list[Doc], **kwargs: Any) -> Any:
        for document in documents:
            document.setdefault("_id", bson.ObjectId())
        stored = [as_mongodb_stores(d) for d in documents]
        await asyncio.sleep(0)
        try:
            return await self._collection.insert_many(stored, **kwargs)
        finally:
            self._index.reindex([d["_id"] for d in stored])

    async def update_one(self, filter: Doc, update: Doc, **kwargs: Any) -> Any:
        return await self._write(self._update_one, filter, update, **kwargs)

    async def update_many(self, filter: Doc, update: Doc, **kwargs: Any) -> Any:
        return await self._write(self._collection.update_many, filter, update, **kwargs)

    async def replace_one(self, filter: Doc, replacement: Doc, **kwargs: Any) -> Any:
        return await self._write(self._collection.replace_one, filter, replacement, **kwargs)

    async def delete_one(self, filter: Doc, **kwargs: Any) -> Any:
        return await self._write(self._collection.delete_one, filter, None, **kwargs)

    async def delete_many(self, filter: Doc, **kwargs: Any) -> Any:
        return await self._write(self._collection.delete_many, filter, None, **kwargs)

    async def create_index(self, keys: Any, **kwargs: Any) -> Any:
        name = await self._call(self._collection.create_index, keys, **kwargs)
        fields = [keys] if isinstance(keys, str) else [field for field, _ in keys]
        self._index.add_field(fields[0])
        if len(fields) > 1:
            self._index.add_ordering(fields)
        return name

    async def _write(
        self, call: Callable[..., Awaitable[Any]], filter: Doc, body: Doc | None, **kwargs: Any
    ) -> Any:
        checked = as_mongodb_stores(filter)
        args = [checked] if body is None else [checked, as_mongodb_stores(body)]
        await asyncio.sleep(0)
        # What the write can change: the documents its filter matches now (nothing runs in
        # between: mongomock answers without yielding), and the one an upsert inserts.
        # A filter on one `_id` (most writes here) can change only that document: no scan.
        by_id = checked.get("_id")
        if by_id is not None and not isinstance(by_id, dict):
            changed = [by_id]
        else:
            changed = [doc["_id"] for doc in self._mongomock.find(checked, {"_id": 1})]
        result = None
        try:
            result = await call(*args, **kwargs)
            return result
        finally:
            upserted = getattr(result, "upserted_id", None)
            self._index.reindex(changed if upserted is None else [*changed, upserted])

    async def _update_one(self, filter: Doc, update: Doc, **kwargs: Any) -> Any:
        """One document by `_id` without mongomock's deep copy of it (`storage.embedded_update`)."""
        upsert = kwargs.get("upsert", False)
        if kwargs.keys() <= {"upsert"} and isinstance(upsert, bool):
            done = update_by_id(self._mongomock, filter, update, upsert)
            if done is not None:
                return done
        return await self._collection.update_one(filter, update, **kwargs)

    @staticmethod
    async def _call(call: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        return await call(*args, **kwargs)


# Writes no code here makes, refused rather than let past the index (as storage.serialized_writes
# refuses them unserialized).
_UNINDEXED_WRITES = frozenset(
    {
        "bulk_write",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "find_and_modify",
        "save",
        "rename",
    }
)
