"""Writes to one document, one at a time, on a server where a single-document update is not
atomic: FerretDB v1 (at least up to v1.24, on SQLite; FerretDB issue #3040).

Its update, findAndModify and delete handlers read the matching documents, apply the change
in Go, then write back (or delete) by `_id` in a separate step. Two writers racing on one
document both see the old state: compare-and-swap on `version` lets both win, `$inc` loses
counts, and any update can undo a concurrent one, since the whole document is written back.
Everything in `storage/` relies on single-document atomicity (see DESIGN.md), so on such a
server every write to a document first takes that document's lock (`storage.document_locks`)
and releases it after. Inserts need no lock: a unique `_id` is enforced atomically.

On MongoDB single-document writes are atomic and nothing is locked: the server is asked once
(`buildInfo`, on the first write) and, unless it is FerretDB, every call goes straight on.
`TESSERA_MONGODB_SERIALIZE_WRITES` (auto, true, false) overrides the question.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from pymongo.results import DeleteResult, UpdateResult

from storage.document_locks import DocumentLocks

log = logging.getLogger(__name__)
SerializeWrites = Literal["auto", "true", "false"]
LOCKS = "write_locks"
# Writes no code here makes; refused rather than let through unserialized.
_REFUSED = frozenset({"bulk_write", "find_one_and_replace", "find_one_and_delete"})
_NO_UPDATE = UpdateResult({"n": 0, "nModified": 0, "ok": 1.0}, True)
_NO_DELETE = DeleteResult({"n": 0, "ok": 1.0}, True)


class WritePolicy:
    """Whether one database's writes must be serialized: set, or asked of the server once."""

    def __init__(self, db: Any, mode: SerializeWrites) -> None:
        self._db = db
        self._serialize: bool | None = None if mode == "auto" else mode == "true"
        self._asking = asyncio.Lock()
        self.locks = DocumentLocks(db[LOCKS])

    async def serialize(self) -> bool:
        if self._serialize is None:
            async with self._asking:
                if self._serialize is None:
                    info = await self._db.command("buildInfo")
                    self._serialize = any(key.startswith("ferretdb") for key in info)
                    if self._serialize:
                        log.info("FerretDB: writes to one document are serialized (%s)", LOCKS)
        return self._serialize


def serialized_writes(db: Any, mode: SerializeWrites) -> Callable[[Any], Any]:
    """How `storage.mongo.collections_of` wraps each collection of `db`."""
    if mode == "false":
        return lambda collection: collection
    policy = WritePolicy(db, mode)
    return lambda collection: SerializedWrites(collection, policy)


class SerializedWrites:
    """A collection whose update, replace and delete calls lock each document they write.
    Results are pymongo's, as from the collection itself (typed `Any`, as motor is here)."""

    def __init__(self, collection: Any, policy: WritePolicy) -> None:
        self._collection = collection
        self._policy = policy

    def __getattr__(self, name: str) -> Any:
        if name in _REFUSED:
            raise NotImplementedError(f"{name} is not serialized for FerretDB; add it here")
        return getattr(self._collection, name)

    async def update_one(
        self, filter: dict[str, Any], update: Any, upsert: bool = False, **options: Any
    ) -> Any:
        return await self._first("update_one", _NO_UPDATE, filter, update, upsert=upsert, **options)

    async def replace_one(
        self, filter: dict[str, Any], replacement: Any, upsert: bool = False, **options: Any
    ) -> Any:
        return await self._first(
            "replace_one", _NO_UPDATE, filter, replacement, upsert=upsert, **options
        )

    async def find_one_and_update(
        self, filter: dict[str, Any], update: Any, upsert: bool = False, **options: Any
    ) -> Any:
        return await self._first(
            "find_one_and_update", None, filter, update, upsert=upsert, **options
        )

    async def delete_one(self, filter: dict[str, Any], **options: Any) -> Any:
        return await self._first("delete_one", _NO_DELETE, filter, **options)

    async def update_many(
        self, filter: dict[str, Any], update: Any, upsert: bool = False, **options: Any
    ) -> Any:
        write = self._collection.update_many
        if not await self._policy.serialize():
            return await write(filter, update, upsert=upsert, **options)
        if _single_id(filter) is not None:
            return await self._locked(filter, write, filter, update, upsert=upsert, **options)
        _no_upsert(upsert)
        matched = modified = 0
        async for one in self._each_match(filter, options):
            result = await self._locked(one, self._collection.update_one, one, update, **options)
            matched, modified = matched + result.matched_count, modified + result.modified_count
        return UpdateResult({"n": matched, "nModified": modified, "ok": 1.0}, True)

    async def delete_many(self, filter: dict[str, Any], **options: Any) -> Any:
        write = self._collection.delete_many
        if not await self._policy.serialize():
            return await write(filter, **options)
        if _single_id(filter) is not None:
            return await self._locked(filter, write, filter, **options)
        deleted = 0
        async for one in self._each_match(filter, options):
            result = await self._locked(one, self._collection.delete_one, one, **options)
            deleted += result.deleted_count
        return DeleteResult({"n": deleted, "ok": 1.0}, True)

    async def _first(
        self, call: str, none: Any, filter: dict[str, Any], *args: Any, **options: Any
    ) -> Any:
        """A write to at most one document: locked by the filter's `_id`, or else each match
        in turn is locked and written with the filter checked again, until one is written;
        `none` if none is."""
        write = getattr(self._collection, call)
        if not await self._policy.serialize():
            return await write(filter, *args, **options)
        if _single_id(filter) is not None:
            return await self._locked(filter, write, filter, *args, **options)
        _no_upsert(options.get("upsert", False))
        async for one in self._each_match(filter, options):
            result = await self._locked(one, write, one, *args, **options)
            if _wrote(result):
                return result
        return none

    async def _locked(self, filter: dict[str, Any], write: Any, *args: Any, **options: Any) -> Any:
        async with self._policy.locks.holding(f"{self._collection.name}:{filter['_id']}"):
            return await write(*args, **options)

    async def _each_match(
        self, filter: dict[str, Any], options: dict[str, Any]
    ) -> AsyncIterator[dict[str, Any]]:
        """`filter` narrowed to each document it matches now, by `_id`."""
        cursor = self._collection.find(filter, {"_id": 1}, sort=options.get("sort"))
        async for doc in cursor:
            # A condition of its own on `_id` (say `$in`) stays, inside `$and`.
            yield (
                {"$and": [filter], "_id": doc["_id"]}
                if "_id" in filter
                else {
                    **filter,
                    "_id": doc["_id"],
                }
            )


def _single_id(filter: dict[str, Any]) -> Any:
    """The `_id` the filter pins down by equality, if it does."""
    value = filter.get("_id")
    if isinstance(value, dict) and any(key.startswith("$") for key in value):
        return None
    return value


def _no_upsert(upsert: bool) -> None:
    # With no `_id` there is no document to lock before it exists.
    if upsert:
        raise ValueError("with serialized writes an upsert needs the `_id` in its filter")


def _wrote(result: Any) -> bool:
    if isinstance(result, UpdateResult):
        return result.matched_count > 0
    if isinstance(result, DeleteResult):
        return result.deleted_count > 0
    return result is not None  # find_one_and_update: the document, or None
