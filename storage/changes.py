"""Targeted updates: a save sends only the fields that differ from the document as read."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]


def changed_fields(before: Doc, after: Doc) -> Doc:
    """The `$set` that turns `before` into `after` (both written by the same `*_to_doc`, so
    they have the same keys). Fewer fields is less to encode and send, a smaller oplog entry
    on MongoDB, and on mongomock far less copying: a message's claim changes 3 of 12 fields."""
    return {k: v for k, v in after.items() if k != "_id" and before.get(k) != v}
