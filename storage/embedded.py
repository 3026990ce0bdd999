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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import Any

import bson
from bson.codec_options import CodecOptions
from pymongo.errors import DocumentTooLarge

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
    """A mongomock-motor collection that refuses what MongoDB refuses, and yields."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    def find(self, filter: Doc | None = None, *args: Any, **kwargs: Any) -> Any:
        return self._collection.find(_checked(filter), *args, **kwargs)

    async def find_one(self, filter: Doc | None = None, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._collection.find_one, _checked(filter), *args, **kwargs)

    async def count_documents(self, filter: Doc, **kwargs: Any) -> Any:
        return await self._call(self._collection.count_documents, _checked(filter), **kwargs)

    async def insert_one(self, document: Doc, **kwargs: Any) -> Any:
        if "_id" not in document:  # pymongo sets it on the caller's document too
            document["_id"] = bson.ObjectId()
        return await self._call(self._collection.insert_one, as_mongodb_stores(document), **kwargs)

    async def insert_many(self, documents: list[Doc], **kwargs: Any) -> Any:
        for document in documents:
            document.setdefault("_id", bson.ObjectId())
        stored = [as_mongodb_stores(d) for d in documents]
        return await self._call(self._collection.insert_many, stored, **kwargs)

    async def update_one(self, filter: Doc, update: Doc, **kwargs: Any) -> Any:
        return await self._write(self._collection.update_one, filter, update, **kwargs)

    async def update_many(self, filter: Doc, update: Doc, **kwargs: Any) -> Any:
        return await self._write(self._collection.update_many, filter, update, **kwargs)

    async def replace_one(self, filter: Doc, replacement: Doc, **kwargs: Any) -> Any:
        return await self._write(self._collection.replace_one, filter, replacement, **kwargs)

    async def delete_one(self, filter: Doc, **kwargs: Any) -> Any:
        return await self._call(self._collection.delete_one, as_mongodb_stores(filter), **kwargs)

    async def delete_many(self, filter: Doc, **kwargs: Any) -> Any:
        return await self._call(self._collection.delete_many, as_mongodb_stores(filter), **kwargs)

    async def create_index(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(self._collection.create_index, *args, **kwargs)

    async def _write(
        self, call: Callable[..., Awaitable[Any]], filter: Doc, body: Doc, **kwargs: Any
    ) -> Any:
        return await self._call(call, as_mongodb_stores(filter), as_mongodb_stores(body), **kwargs)

    @staticmethod
    async def _call(call: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0)
        return await call(*args, **kwargs)
