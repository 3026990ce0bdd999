"""What a command keeps with its ledger entry rather than on the member (which stays
bounded): a purchase's order and its lines, on the EARNED entry, for returns; the batches a
redemption took its points from, on the REDEEMED entry, for a cancel. They travel in the
member's outbox item with the entry until the relay copies it to the ledger
(`storage.recorded` reads both)."""

from __future__ import annotations

from decimal import Decimal

import orjson

from domain.events import Commit
from domain.ledger import EntryKind, LedgerEntry, PointBatch
from domain.member import LineRecord, OrderRecord
from storage.documents import (
    Doc,
    entry_to_doc,
    event_to_doc,
    spilled_request_doc,
    utc,
)


def outbox_item(commit: Commit) -> Doc:
    """One pending item per commit: its ledger entries (with what they keep), the requests
    the member spilled (`domain.idempotency`) and its event, keyed by version."""
    return {
        "version": commit.member.version,
        "entries": [entry_with_records(e, commit) for e in commit.entries],
        "requests": [spilled_request_doc(commit.member.id, r) for r in commit.spilled],
        "event": event_to_doc(commit.event),
    }


def entry_with_records(entry: LedgerEntry, commit: Commit) -> Doc:
    doc = entry_to_doc(entry)
    order = commit.order
    if order is not None and entry.kind is EntryKind.EARNED and entry.order_id == order.order_id:
        doc["order"] = {
            "amount": str(order.amount),
            "currency": order.currency,
            "batch_id": order.batch_id,
            **({"lines": lines_doc(order.lines)} if order.lines else {}),
            **(
                {"points_paid": order.points_paid, "paid_from": _batches_doc(order.paid_from)}
                if order.points_paid
                else {}
            ),
        }
    if entry.kind is EntryKind.REDEEMED and entry.id == commit.event.entry_id:
        doc["member_reward_id"] = commit.member_reward_id  # found by it (sparse index)
        doc["paid_from"] = _batches_doc(commit.paid_from)
    return doc


def _batches_doc(batches: tuple[PointBatch, ...]) -> list[Doc]:
    return [
        {"batch_id": b.id, "points": b.points, "earned_at": b.earned_at, "expires_at": b.expires_at}
        for b in batches
    ]


def _batches_from_doc(docs: list[Doc]) -> tuple[PointBatch, ...]:
    return tuple(
        PointBatch(
            b["batch_id"],
            b["points"],
            utc(b["earned_at"]),
            None if b["expires_at"] is None else utc(b["expires_at"]),
        )
        for b in docs
    )


def order_from_entry_doc(doc: Doc) -> OrderRecord:
    """The order a purchase's EARNED entry records."""
    order = doc["order"]
    return OrderRecord(
        doc["order_id"],
        Decimal(order["amount"]),
        order["currency"],
        doc["points"],
        order["batch_id"],
        utc(doc["created_at"]),
        doc.get("store_id"),
        lines_from_doc(order.get("lines", ())),
        order.get("points_paid", 0),
        _batches_from_doc(order.get("paid_from", [])),
    )


def paid_from_entry_doc(doc: Doc) -> tuple[PointBatch, ...] | None:
    """What a redemption's REDEEMED entry records it took from each batch (None: recorded
    before entries kept it)."""
    if "paid_from" not in doc:
        return None
    return _batches_from_doc(doc["paid_from"])


def lines_doc(lines: tuple[LineRecord, ...]) -> str:
    """An order's lines as one compact JSON text, each line [sku, category, quantity, unit
    price, earns, points]. They are only ever read back whole (a return of the order), never
    queried; as one string, every copy of the entry (in the member's outbox item, by the
    relay, into the ledger, and mongomock's copies of each) costs about the same for twenty
    lines as for one, where twenty sub-documents cost twenty times the encoding and copying."""
    return orjson.dumps(
        [[n.sku, n.category, n.quantity, str(n.unit_price), n.earns, n.points] for n in lines]
    ).decode()


def lines_from_doc(stored: str | list[Doc]) -> tuple[LineRecord, ...]:
    """What `lines_doc` wrote, or the sub-documents entries recorded before it kept."""
    if isinstance(stored, str):
        return tuple(
            LineRecord(sku, category, quantity, Decimal(price), earns, points)
            for sku, category, quantity, price, earns, points in orjson.loads(stored)
        )
    return tuple(
        LineRecord(
            doc["sku"],
            doc["category"],
            doc["quantity"],
            Decimal(doc["unit_price"]),
            doc["earns"],
            doc["points"],
        )
        for doc in stored
    )
