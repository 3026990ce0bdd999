"""Sorted pages on the embedded store without sorting the collection.

mongomock answers a sorted, limited find by copying every document its filter matches,
sorting them all and then cutting the page: a member's first page of history cost time in
proportion to their whole ledger (355 ms at 10,000 entries, against 4 ms at 10). MongoDB
walks its compound index `(member_id, created_at, _id)` instead and stops at the page.

An `Ordering` is that walk for one compound index the app created: for each value of the
index's leading field, the documents' trailing fields (then `_id`, the tie-break every page
query sorts by) kept sorted. A find with an equality (or `$in`) on the leading field, sorted by
exactly those fields in one direction, with a limit, walks it from the right end, tests mongomock's
own matcher on each document and stops when the page is full. Any other find, and any value
holding a document whose keys this cannot order as MongoDB does, is left to mongomock.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from sortedcontainers import SortedKeyList

Doc = dict[str, Any]
SortKey = tuple[tuple[int, Any], ...]

# MongoDB's order between BSON types (null first, then numbers, strings, ObjectIds, booleans,
# dates), for the types a key here may hold; any other type is not ordered here.
_TYPE_RANK: tuple[tuple[type, int], ...] = (
    (bool, 8),  # before int: a bool is an int to Python, not to MongoDB
    (int, 1),
    (float, 1),
    (str, 2),
    (ObjectId, 7),
    (datetime, 9),
)


def _ranked(value: Any) -> tuple[int, Any] | None:
    if value is None:
        return (0, 0)  # null and missing sort first, as equals
    for kind, rank in _TYPE_RANK:
        if isinstance(value, kind):
            return (rank, value)
    return None


class Ordering:
    """One compound index's order: per value of its leading field, (sort key, store key)."""

    def __init__(self, leading: str, trailing: Sequence[str]) -> None:
        self.leading = leading
        self.fields = (*trailing, "_id") if "_id" not in trailing else tuple(trailing)
        self._by_value: dict[Any, SortedKeyList] = {}
        self._placed: dict[Any, tuple[Any, SortKey | None]] = {}
        self._unordered: Counter[Any] = Counter()  # values with a document this cannot order
        self._irregular = 0  # documents whose leading field an equality may match in an array

    def place(self, key: Any, doc: Doc | None) -> None:
        """File the document stored under `key` as it is now (None: it is gone). Most writes
        change none of the index's fields (a message's attempt, a profile's counts): the
        document then stays where it is filed."""
        placed = None if doc is None else self._placement(doc)
        old = self._placed.get(key)
        if old == placed:
            return
        if old is not None:
            del self._placed[key]
            self._unfile(key, *old)
        if placed is None:
            return
        value, sort_key = placed
        if value is _IRREGULAR:
            self._irregular += 1
        elif sort_key is None:
            self._unordered[value] += 1
        else:
            self._by_value.setdefault(value, SortedKeyList(key=_sort_key)).add((sort_key, key))
        self._placed[key] = placed

    def _placement(self, doc: Doc) -> tuple[Any, SortKey | None]:
        """(leading value, sort key): the sort key None where this cannot order the document,
        the value `_IRREGULAR` where an equality may match it in an array."""
        value = doc.get(self.leading)
        if isinstance(value, list | dict):
            return (_IRREGULAR, None)
        ranked = [_ranked(doc.get(field)) for field in self.fields]
        return (value, None if None in ranked else tuple(r for r in ranked if r is not None))

    def walk(
        self, values: Sequence[Any], sort: Sequence[tuple[str, int]], equal: Doc | None = None
    ) -> Iterator[Any] | None:
        """Store keys of the documents with one of `values`, in `sort`'s order; None: this
        ordering does not serve that sort, or cannot order some of those documents.

        `equal`: the find's filter. Where it sets the first sort fields to plain values, the
        walk covers only the documents holding them, as MongoDB bounds an index scan: a
        member's PENDING messages are walked without their SENT history."""
        directions = {direction for _, direction in sort}
        if tuple(field for field, _ in sort) != self.fields or len(directions) != 1:
            return None
        if self._irregular or any(self._unordered[value] for value in values):
            return None
        newest_first = directions == {-1}
        prefix = self._prefix(equal or {})
        lists = [self._by_value.get(value, ()) for value in dict.fromkeys(values)]
        if prefix:
            bounds = (prefix, (*prefix, _PAST_EVERY_RANK))
            walks = [
                found.irange_key(*bounds, reverse=newest_first) if found else iter(())
                for found in lists
            ]
        else:
            walks = [reversed(found) if newest_first else iter(found) for found in lists]
        merged = heapq.merge(*walks, key=_sort_key, reverse=newest_first)
        return (key for _, key in merged)

    def _prefix(self, filter: Doc) -> SortKey:
        """The sort key's first parts that `filter` fixes: a field equal to a string or an
        id (not an array or a document, which an equality may match inside or by shape)."""
        fixed: list[tuple[int, Any]] = []
        for field in self.fields:
            condition = filter.get(field)
            if isinstance(condition, dict) and set(condition) == {"$eq"}:
                condition = condition["$eq"]
            # Numbers are left out (MongoDB finds 1 by 1.0 and by Decimal128("1")), and times
            # (mongomock keeps them naive, a filter's may be aware).
            if not isinstance(condition, _FIXABLE):
                break
            ranked = _ranked(condition)
            assert ranked is not None
            fixed.append(ranked)
        return tuple(fixed)

    def _unfile(self, key: Any, value: Any, sort_key: SortKey | None) -> None:
        if value is _IRREGULAR:
            self._irregular -= 1
        elif sort_key is None:
            self._unordered[value] -= 1
            if not self._unordered[value]:
                del self._unordered[value]
        else:
            found = self._by_value[value]
            found.remove((sort_key, key))
            if not found:
                del self._by_value[value]


_IRREGULAR = object()
_FIXABLE = (str, ObjectId)  # what an equality on a sort field bounds the walk by
_PAST_EVERY_RANK = (99,)  # after any (rank, value) pair: the end of a prefix's range


def _sort_key(entry: tuple[SortKey, Any]) -> SortKey:
    return entry[0]
