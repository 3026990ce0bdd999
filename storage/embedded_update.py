"""`update_one` by `_id` on the embedded store, copying what it changes instead of everything.

mongomock updates a document in place, after a deep copy of the whole document kept to
tell whether anything changed and to roll back a duplicate key. A dispatch's claim and its
SENT each deep-copied the whole message (intent, rendering, attempts): about a tenth of a
dispatch's CPU went to `copy.deepcopy` alone.

For an update of one document named by `_id` (nearly every write the app makes), this
copies only the dicts on the paths the update names, and the value at the end of each
(a list a `$push` appends to), then lets mongomock apply the update to that copy with its
own code, and stores the copy. The stored document is never touched, so it is the
snapshot: equal means not modified, and a duplicate key puts it back, as mongomock does.

Anything else is mongomock's own update: a path through an array or with a positional `$`,
the `_id` itself, an operator with nothing in it, options other than `upsert`, and an
upsert that inserts. `tests/integration/test_embedded_update.py` checks this path against
mongomock's for every shape of update the app makes and more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bson import ObjectId
from mongomock import DuplicateKeyError
from pymongo.results import UpdateResult  # what mongomock answers with, as pymongo does

from storage.embedded_index import Doc, as_kept, filter_applies


def update_by_id(collection: Any, filter: Doc, update: Doc, upsert: bool) -> UpdateResult | None:
    """`update_one(filter, update, upsert=upsert)` on a mongomock collection, when `filter`
    names one document by `_id` and `update` only walks dicts; None: mongomock's to do."""
    document_id = filter.get("_id")
    if not isinstance(document_id, str | ObjectId):
        return None
    store = collection._store
    try:
        stored: Doc = store[document_id]
    except KeyError:
        return None  # nothing to copy: mongomock's answer (and check of `update`) as it is
    paths = _paths(update)
    if paths is None:
        return None
    spec = as_kept(filter)
    if not filter_applies(spec, stored):
        return None if upsert else _result(matched=0, modified=0)
    changed = _copied_along(stored, paths)
    if changed is None:
        return None
    document = as_kept(update)
    collection._apply_update_document(changed, spec, document, False)
    if changed == stored:
        return _result(matched=1, modified=0)
    store[document_id] = changed
    try:
        collection._ensure_uniques(changed)
    except DuplicateKeyError:
        store[document_id] = stored
        raise
    return _result(matched=1, modified=1)


def _paths(update: Doc) -> list[list[str]] | None:
    """The field paths an update document names, split at dots; None: not a plain one."""
    paths: list[list[str]] = []
    for operator, fields in update.items():
        if not (isinstance(operator, str) and operator.startswith("$")):
            return None  # a replacement or a pipeline
        if not isinstance(fields, dict) or not fields:
            return None
        names: Iterable[Any] = fields
        if operator == "$rename":
            names = [*fields, *fields.values()]
        for name in names:
            if not isinstance(name, str) or not name or "$" in name:
                return None
            path = name.split(".")
            if path[0] == "_id" or "" in path:
                return None
            paths.append(path)
    return paths


def _copied_along(stored: Doc, paths: list[list[str]]) -> Doc | None:
    """`stored` with every dict on `paths` copied, and the list or dict each ends at; None
    when a path goes through anything but a dict (an array element, a scalar)."""
    copy = type(stored)(stored)  # mongomock keeps some as OrderedDict: order counts there
    fresh = {id(copy)}  # what is this update's own: changed in place by mongomock
    for path in paths:
        node = copy
        for part in path[:-1]:
            if part not in node:
                break  # mongomock makes the missing dicts itself, in the copy
            child = node[part]
            if not isinstance(child, dict):
                return None
            if id(child) not in fresh:
                child = node[part] = type(child)(child)
                fresh.add(id(child))
            node = child
        else:
            leaf = node.get(path[-1])
            if isinstance(leaf, list | dict) and id(leaf) not in fresh:
                leaf = node[path[-1]] = type(leaf)(leaf)  # a $push appends to it
                fresh.add(id(leaf))
    return copy


def _result(*, matched: int, modified: int) -> UpdateResult:
    raw = {"n": matched, "nModified": modified, "ok": 1, "upserted": None}
    return UpdateResult({**raw, "updatedExisting": bool(matched)}, acknowledged=True)
