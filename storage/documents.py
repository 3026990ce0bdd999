"""Member and ledger documents <-> domain objects. Money is kept as exact decimal strings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.channel import Channel
from domain.events import Commit, MemberChanged
from domain.housekeeping import next_due, next_expiry
from domain.identity import Identifier, IdentifierKind
from domain.ledger import EntryKind, LedgerEntry, PointBatch
from domain.member import (
    IdempotencyRecord,
    Member,
    MemberReward,
    OrderRecord,
    RewardStatus,
    TierStatus,
)

Doc = dict[str, Any]


def utc(value: datetime) -> datetime:
    """MongoDB hands back naive UTC datetimes unless the client is tz-aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _opt_utc(value: datetime | None) -> datetime | None:
    return None if value is None else utc(value)


def member_to_doc(member: Member) -> Doc:
    return {
        "_id": member.id,
        "version": member.version,
        "display_name": member.display_name,
        "identifiers": [{"kind": i.kind.value, "value": i.value} for i in member.identifiers],
        "enrolled_at": member.enrolled_at,
        "enrolled_channel": member.enrolled_channel.value,
        "tier": {
            "code": member.tier.code,
            "reached_at": member.tier.reached_at,
            "requalify_by": member.tier.requalify_by,
        },
        "batches": [
            {"id": b.id, "points": b.points, "earned_at": b.earned_at, "expires_at": b.expires_at}
            for b in member.batches
        ],
        "orders": [
            {
                "order_id": o.order_id,
                "amount": str(o.amount),
                "currency": o.currency,
                "points": o.points,
                "batch_id": o.batch_id,
                "earned_at": o.earned_at,
                "store_id": o.store_id,
                "returned_amount": str(o.returned_amount),
                "returned_points": o.returned_points,
            }
            for o in member.orders
        ],
        "rewards": [
            {
                "id": r.id,
                "code": r.code,
                "reward_id": r.reward_id,
                "cost": r.cost,
                "status": r.status.value,
                "issued_at": r.issued_at,
                "expires_at": r.expires_at,
                "used_at": r.used_at,
                "used_store_id": r.used_store_id,
            }
            for r in member.rewards
        ],
        "idempotency": [
            {
                "key": r.key,
                "fingerprint": r.fingerprint,
                "entry_id": r.entry_id,
                "recorded_at": r.recorded_at,
                "member_reward_id": r.member_reward_id,
            }
            for r in member.idempotency
        ],
        "merged_ids": list(member.merged_ids),
        "merged_into": member.merged_into,
        # Derived, for the scheduled jobs' indexed queries (storage.scans): a condition on
        # fields inside array elements ($elemMatch) is not served by every MongoDB server.
        "next_due_at": next_due(member),
        "next_expiry_at": next_expiry(member),
    }


def member_from_doc(doc: Doc) -> Member:
    tier = doc["tier"]
    return Member(
        id=doc["_id"],
        version=doc["version"],
        display_name=doc.get("display_name"),
        identifiers=tuple(
            Identifier(IdentifierKind(i["kind"]), i["value"]) for i in doc["identifiers"]
        ),
        enrolled_at=utc(doc["enrolled_at"]),
        enrolled_channel=Channel(doc["enrolled_channel"]),
        tier=TierStatus(tier["code"], utc(tier["reached_at"]), _opt_utc(tier["requalify_by"])),
        batches=tuple(
            PointBatch(b["id"], b["points"], utc(b["earned_at"]), _opt_utc(b["expires_at"]))
            for b in doc["batches"]
        ),
        orders=tuple(
            OrderRecord(
                o["order_id"],
                Decimal(o["amount"]),
                o["currency"],
                o["points"],
                o["batch_id"],
                utc(o["earned_at"]),
                o["store_id"],
                Decimal(o["returned_amount"]),
                o["returned_points"],
            )
            for o in doc["orders"]
        ),
        rewards=tuple(
            MemberReward(
                r["id"],
                r["code"],
                r["reward_id"],
                r["cost"],
                RewardStatus(r["status"]),
                utc(r["issued_at"]),
                utc(r["expires_at"]),
                _opt_utc(r["used_at"]),
                r["used_store_id"],
            )
            for r in doc["rewards"]
        ),
        idempotency=tuple(
            IdempotencyRecord(
                r["key"],
                r["fingerprint"],
                r["entry_id"],
                utc(r["recorded_at"]),
                r["member_reward_id"],
            )
            for r in doc["idempotency"]
        ),
        merged_ids=tuple(doc.get("merged_ids", ())),
        merged_into=doc.get("merged_into"),
    )


def entry_to_doc(entry: LedgerEntry) -> Doc:
    return {
        "_id": entry.id,
        "member_id": entry.member_id,
        "kind": entry.kind.value,
        "points": entry.points,
        "created_at": entry.created_at,
        "channel": entry.channel.value if entry.channel else None,
        "store_id": entry.store_id,
        "order_id": entry.order_id,
        "reason": entry.reason,
    }


def entry_from_doc(doc: Doc) -> LedgerEntry:
    return LedgerEntry(
        id=doc["_id"],
        member_id=doc["member_id"],
        kind=EntryKind(doc["kind"]),
        points=doc["points"],
        created_at=utc(doc["created_at"]),
        channel=Channel(doc["channel"]) if doc.get("channel") else None,
        store_id=doc.get("store_id"),
        order_id=doc.get("order_id"),
        reason=doc.get("reason"),
    )


def event_to_doc(event: MemberChanged) -> Doc:
    return {
        "member_id": event.member_id,
        "version": event.version,
        "cause": event.cause.value,
        "channel": event.channel.value if event.channel else None,
        "store_id": event.store_id,
        "entry_id": event.entry_id,
        "tier": event.tier,
        "previous_tier": event.previous_tier,
        "merged_ids": list(event.merged_ids),
        "merged_into": event.merged_into,
        "order_id": event.order_id,
        "linked": [kind.value for kind in event.linked],
    }


def event_from_doc(doc: Doc) -> MemberChanged:
    return MemberChanged(
        member_id=doc["member_id"],
        version=doc["version"],
        cause=EntryKind(doc["cause"]),
        channel=Channel(doc["channel"]) if doc.get("channel") else None,
        store_id=doc.get("store_id"),
        entry_id=doc.get("entry_id"),
        tier=doc["tier"],
        previous_tier=doc.get("previous_tier"),
        merged_ids=tuple(doc.get("merged_ids", ())),
        merged_into=doc.get("merged_into"),
        order_id=doc.get("order_id"),
        linked=tuple(IdentifierKind(kind) for kind in doc.get("linked", ())),
    )


def outbox_item(commit: Commit) -> Doc:
    """One pending item per commit: its ledger entries and its event, keyed by version."""
    return {
        "version": commit.member.version,
        "entries": [entry_to_doc(e) for e in commit.entries],
        "event": event_to_doc(commit.event),
    }
