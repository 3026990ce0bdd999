"""Equality lookups on the embedded store without a full scan.

mongomock answers every query, update and delete by testing the filter against every
document of the collection, so each lookup by `_id` or `member_id` cost time in proportion
to the collection (a purchase slowed as `messages` and `ledger` grew with every purchase).
This narrows the documents mongomock tests to those an equality can match, then lets
mongomock test the whole filter on them as before, so answers, sorts and projections stay
mongomock's own:

- `_id` equal to a string or ObjectId (or `$in` a list of them): mongomock already keeps a
  collection as a dict by `_id`, so these are dict reads, always exact;
- an equality to a string, ObjectId or boolean (or `$in` of them) on the leading field of
  an index the app created (`storage.mongo.ensure_indexes`: `member_id`, `status`, ...), as
  MongoDB would use that index: a dict from value to ids, per collection.

Any other filter is mongomock's full scan. A value index is kept right by `EmbeddedCollection`,
through which every write of the app goes: after each write, the documents its filter
matched (and any it inserted) are indexed again as they are now. Candidates come in
mongomock's own (insertion) order, so a narrowed answer is the one the scan gives.

The index lives with mongomock's collection store, not with one wrapper: two app instances
in one process share a mongomock client, and each one's writes must reach the other's reads.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bson import ObjectId
from mongomock import filtering, helpers

from storage.embedded_order import Ordering

Doc = dict[str, Any]
# What an equality is narrowed by: the app's ids, keys and states, and flags. Numbers are
# not: MongoDB finds 1 by 1.0 and by Decimal128("1"), which a dict would not.
Plain = str | ObjectId | bool
Scan = Callable[[Doc], Iterator[Doc]]
filter_applies: Callable[[Doc, Doc], bool] = filtering.filter_applies  # mongomock's matcher
# mongomock's own conversion of what comes in: naive UTC datetimes, to the millisecond.
as_kept: Callable[[Doc], Doc] = helpers.patch_datetime_awareness_in_document


def _plain(value: Any) -> bool:
    return isinstance(value, Plain)


def _equal_to(condition: Any) -> list[Any] | None:
    """The values a field must equal (one of) under `condition`, if it says only that."""
    if _plain(condition):
        return [condition]
    if isinstance(condition, dict) and len(condition) == 1:
        ((operator, operand),) = condition.items()
        if operator == "$eq" and _plain(operand):
            return [operand]
        if operator == "$in" and isinstance(operand, list) and all(map(_plain, operand)):
            return operand
    return None


def _values(value: Any) -> Iterable[Any]:
    """What a document's field is found by: itself, or the elements of an array, as an
    equality in MongoDB matches either."""
    if _plain(value):
        return (value,)
    if isinstance(value, list):
        return dict.fromkeys(v for v in value if _plain(v))
    return ()


def _store_key(document_id: Any) -> Any:
    return helpers.hashdict(document_id) if isinstance(document_id, dict) else document_id


class EqualityIndex:
    """The ids of one mongomock collection's documents by the values of some fields."""

    def __init__(self, store: Any) -> None:
        self._store = store  # mongomock's CollectionStore: the documents by `_id`
        self._by_value: dict[str, dict[Any, dict[Any, None]]] = {}  # field → value → ids
        self._entries: dict[Any, tuple[int, tuple[tuple[str, Any], ...]]] = {}
        self._order = itertools.count()  # the store's order: each new `_id` goes last
        self._orderings: list[Ordering] = []
        self._reindex(self._all_ids())

    def add_field(self, field: str) -> None:
        if field in self._by_value or "." in field or field == "_id":
            return
        self._by_value[field] = {}
        self._entries.clear()  # each known document again, in the store's order
        for values in self._by_value.values():
            values.clear()
        self._reindex(self._all_ids())

    def add_ordering(self, fields: list[str]) -> None:
        """Keep a compound index's order too (`storage.embedded_order`)."""
        leading, trailing = fields[0], fields[1:]
        known = {(o.leading, o.fields) for o in self._orderings}
        ordering = Ordering(leading, trailing)
        if "." in "".join(fields) or (leading, ordering.fields) in known:
            return
        for key in self._entries:
            ordering.place(key, self._store[key])
        self._orderings.append(ordering)

    def first_in_order(
        self, filter: Doc, sort: list[tuple[str, int]], count: int
    ) -> list[Doc] | None:
        """The first `count` documents `filter` matches in `sort`'s order, walked along a
        compound index's order; None: no ordering serves this find."""
        for ordering in self._orderings:
            values = _equal_to(filter[ordering.leading]) if ordering.leading in filter else None
            if values is None:
                continue
            keys = ordering.walk(values, sort, filter)
            if keys is None:
                continue
            found: list[Doc] = []
            for key in keys:
                doc = self._store[key]
                if filter_applies(filter, doc):
                    found.append(doc)
                    if len(found) == count:
                        break
            return found
        return None

    def matching(self, filter: Doc) -> list[Doc] | None:
        """The documents `filter` can match, in the store's order; None: any of them."""
        keys = self._candidate_keys(filter)
        if keys is None:
            return None
        found = []
        for key in keys:
            try:
                found.append(self._store[key])
            except KeyError:
                continue
        if len(found) > 1:
            found.sort(key=lambda doc: self._position(doc["_id"]))
        return found

    def reindex(self, ids: Iterable[Any]) -> None:
        """Index the documents with these `_id`s as they are now (gone: forgotten)."""
        self._reindex(ids)

    def _candidate_keys(self, filter: Doc) -> Iterable[Any] | None:
        if "_id" in filter:
            ids = _equal_to(filter["_id"])
            if ids is not None:
                return dict.fromkeys(map(_store_key, ids))
        # The field whose values hold the fewest documents, sized before any set is built: a
        # member's open messages are a few, all PENDING messages may be many thousands.
        best: tuple[int, list[dict[Any, None]]] | None = None
        for field, index in self._by_value.items():
            values = _equal_to(filter[field]) if field in filter else None
            if values is None:
                continue
            holders = [index.get(value, {}) for value in values]
            size = sum(map(len, holders))
            if best is None or size < best[0]:
                best = (size, holders)
        if best is None:
            return None
        keys: dict[Any, None] = {}
        for held in best[1]:
            keys.update(held)
        return keys

    def _all_ids(self) -> list[Any]:
        return [doc["_id"] for doc in self._store.documents]

    def _position(self, document_id: Any) -> int:
        entry = self._entries.get(_store_key(document_id))
        return -1 if entry is None else entry[0]

    def _reindex(self, ids: Iterable[Any]) -> None:
        for document_id in ids:
            key = _store_key(document_id)
            try:
                doc: Doc | None = self._store[key]
            except KeyError:
                doc = None  # it is gone
            for ordering in self._orderings:
                ordering.place(key, doc)
            entries = () if doc is None else self._entries_of(doc)
            old = self._entries.get(key)
            if old is not None and old[1] == entries and doc is not None:
                continue  # no indexed field changed (most writes): filed as it was
            if old is not None:
                del self._entries[key]
                for field, value in old[1]:
                    holders = self._by_value[field][value]
                    del holders[key]
                    if not holders:
                        del self._by_value[field][value]
            if doc is None:
                continue
            for field, value in entries:
                self._by_value[field].setdefault(value, {})[key] = None
            self._entries[key] = (next(self._order) if old is None else old[0], entries)

    def _entries_of(self, doc: Doc) -> tuple[tuple[str, Any], ...]:
        return tuple(
            (field, value) for field in self._by_value for value in _values(doc.get(field))
        )


_INDEXES: weakref.WeakKeyDictionary[Any, EqualityIndex] = weakref.WeakKeyDictionary()


def index_of(collection: Any) -> EqualityIndex:
    """The index of a mongomock collection's documents, shared by every wrapper of it, and
    put in front of its scans (once per collection object)."""
    store = collection._store
    index = _INDEXES.get(store)
    if index is None:
        index = _INDEXES[store] = EqualityIndex(store)
    if not getattr(collection, "_tessera_narrowed", False):
        collection._iter_documents = _narrowed(collection._iter_documents, index)
        collection._ensure_uniques = _indexed_first(collection._ensure_uniques, store, index)
        collection._tessera_narrowed = True
    return index


def _narrowed(scan: Scan, index: EqualityIndex) -> Scan:
    """mongomock's `Collection._iter_documents` (every find, count, update and delete goes
    through it), over the candidates only when the index has them."""

    def iter_documents(filter: Doc) -> Iterator[Doc]:
        found = index.matching(filter)
        if found is None:
            return scan(filter)
        if not found:
            filter_applies(filter, {})  # as mongomock checks a filter when nothing matches
        return (doc for doc in found if filter_applies(filter, doc))

    return iter_documents


def _indexed_first(
    check: Callable[[Doc], None], store: Any, index: EqualityIndex
) -> Callable[[Doc], None]:
    """mongomock's check of the unique indexes, made right after it stores a document, by a
    lookup that counts the holders of each key: the document must be indexed by then, or its
    own duplicate goes unseen (a second document with a unique `code` was taken). Only when
    the collection has a unique index: mongomock calls this after every insert and update,
    and the app's collections have none. A write rolled back is indexed again by
    `EmbeddedCollection` as it ends."""

    def ensure_uniques(document: Doc) -> None:
        if any(spec.get("unique") for spec in store.indexes.values()):
            index.reindex([document["_id"]])
        check(document)

    return ensure_uniques
