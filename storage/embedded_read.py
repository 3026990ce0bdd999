"""A read of one document by `_id` on the embedded store, copied out through BSON.

mongomock copies each document it answers with value by value in Python (`copy.copy` of
every value, a new datetime for each), then walks the copy again to put the time zone on
its datetimes. The stored document went in as BSON's round trip (`storage.embedded`), so
one more round trip in bson's C code gives the same values, the same types and the same
UTC (mongomock's own) in a fraction of the time. Only `find_one` by `_id` on a
time-zone-aware client, with no projection or one that leaves out top-level fields (the
member read leaves out its outbox), takes this path; any other read is mongomock's own.
`tests/integration/test_embedded_read.py` checks it against mongomock's answer.
"""

from __future__ import annotations

from typing import Any

import bson
from bson import ObjectId
from bson.codec_options import CodecOptions
from bson.tz_util import utc  # the UTC mongomock puts on what it answers

from storage.embedded_index import Doc, as_kept, filter_applies

_AS_MONGOMOCK_ANSWERS: CodecOptions[Doc] = CodecOptions(tz_aware=True, tzinfo=utc)


def _leaves_out(value: Any) -> bool:
    return value is False or (type(value) is int and value == 0)


def _left_out(projection: Any) -> list[str] | None:
    """The top-level fields a projection leaves out; None: any other projection."""
    if projection is None:
        return []
    if not isinstance(projection, dict) or not projection:
        return None
    fields = list(projection)
    plain = all(isinstance(f, str) and f and "." not in f and "$" not in f for f in fields)
    if not plain or not all(map(_leaves_out, projection.values())):
        return None
    return fields


def read_by_id(
    collection: Any, filter: Doc | None, projection: Any = None
) -> tuple[Doc | None] | None:
    """`find_one(filter, projection)` on a mongomock collection as a 1-tuple, when `filter`
    names a stored document by `_id`; None: mongomock's to answer."""
    document_id = None if filter is None else filter.get("_id")
    options = collection.codec_options
    left_out = _left_out(projection)
    if (
        filter is None
        or left_out is None
        or not isinstance(document_id, str | ObjectId)
        or not options.tz_aware
        or options.document_class is not dict
    ):
        return None
    try:
        stored: Doc = collection._store[document_id]
    except KeyError:
        return None  # mongomock checks the filter even when nothing can match
    if not filter_applies(as_kept(filter), stored):
        return (None,)
    found = bson.decode(bson.encode(stored), codec_options=_AS_MONGOMOCK_ANSWERS)
    for field in left_out:
        found.pop(field, None)
    return (found,)
