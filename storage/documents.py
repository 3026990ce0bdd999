"""Member and ledger documents <-> domain objects. Money is kept as exact decimal strings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.activity import DayActivity, with_purchase, with_return
from domain.channel import Channel
from domain.events import MemberChanged
from domain.housekeeping import next_expiry, next_visit
from domain.identity import Identifier, IdentifierKind
from domain.ledger import EntryKind, LedgerEntry, PointBatch
from domain.member import (
    ActivityCount,
    IdempotencyRecord,
    Member,
    MemberReward,
    OrderRecord,
    ReturnedLine,
    ReturnedOrder,
    RewardStatus,
    TierStatus,
)
from domain.pending import PendingPoints
from storage.campaign_documents import profile_and_campaigns_doc, profile_and_campaigns_from
from storage.challenge_documents import challenges_from_doc, challenges_to_doc
from storage.partner_documents import partner_links_doc, partner_links_from
from storage.referral_documents import referral_doc, referral_from
from storage.stats_documents import stats_from_doc, stats_to_doc

Doc = dict[str, Any]


def utc(value: datetime) -> datetime:
    """MongoDB hands back naive UTC datetimes unless the client is tz-aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def opt_utc(value: datetime | None) -> datetime | None:
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
            **({"in_grace": True} if member.tier.in_grace else {}),
        },
        # Batches and days with one-letter field names: a member earning every day holds a
        # year of each, and long names would be half the document's size. (Not as arrays:
        # FerretDB refuses nested arrays.) Batches: i(d), p(oints), e(arned at), x (expires
        # at); days: d(ay, as an ordinal), q(ualifying points), n (orders), s(pend),
        # l(ast order at).
        "batches": [
            {"i": b.id, "p": b.points, "e": b.earned_at, "x": b.expires_at} for b in member.batches
        ],
        "activity": [
            {
                "d": a.day.toordinal(),
                "q": a.qualifying_points,
                "n": a.orders,
                "s": str(a.spend),
                "l": a.last_order_at,
            }
            for a in member.activity
        ],
        "returns": [
            {
                "order_id": r.order_id,
                "earned_at": r.earned_at,
                "amount": str(r.amount),
                "points": r.points,
                # the lines taken back so far: s(ku), q(uantity), p(oints)
                **({"lines": [_returned_line_doc(line) for line in r.lines]} if r.lines else {}),
            }
            for r in member.returns
        ],
        # activity counts: k(ind), p(eriod), c(ount)
        "activity_counts": [
            {"k": c.kind, "p": c.period, "c": c.count} for c in member.activity_counts
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
                "entry_id": r.entry_id,
            }
            for r in member.rewards
        ],
        "idempotency": [request_to_doc(r) for r in member.idempotency],
        "idempotency_spilled_at": member.idempotency_spilled_at,
        "merged_ids": list(member.merged_ids),
        "merged_into": member.merged_into,
        **profile_and_campaigns_doc(member),
        **challenges_to_doc(member.challenges),
        # Held (pending) points, one per release day, short names as batches: i(d), p(oints),
        # e(arned at), r(eleases at).
        "held": [
            {"i": p.id, "p": p.points, "e": p.earned_at, "r": p.releases_at} for p in member.pending
        ],
        "referral_code": member.referral_code,
        "referral": referral_doc(member.referral),
        **partner_links_doc(member.partner_links),
        # Derived, for the scheduled jobs' indexed queries (storage.scans): a condition on
        # fields inside array elements ($elemMatch) is not served by every MongoDB server.
        "next_due_at": next_visit(member),
        "next_expiry_at": next_expiry(member),
    }


def member_from_doc(doc: Doc) -> Member:
    tier = doc["tier"]
    legacy = _legacy_orders(doc)
    return Member(
        id=doc["_id"],
        version=doc["version"],
        display_name=doc.get("display_name"),
        identifiers=tuple(
            Identifier(IdentifierKind(i["kind"]), i["value"]) for i in doc["identifiers"]
        ),
        enrolled_at=utc(doc["enrolled_at"]),
        enrolled_channel=Channel(doc["enrolled_channel"]),
        tier=TierStatus(
            tier["code"],
            utc(tier["reached_at"]),
            opt_utc(tier["requalify_by"]),
            tier.get("in_grace", False),
        ),
        batches=tuple(_batch_from(b) for b in doc["batches"]),
        activity=(
            tuple(
                DayActivity(date.fromordinal(a["d"]), a["q"], a["n"], Decimal(a["s"]), utc(a["l"]))
                for a in doc["activity"]
            )
            if "activity" in doc
            else legacy[0]
        ),
        returns=(
            tuple(
                ReturnedOrder(
                    r["order_id"],
                    utc(r["earned_at"]),
                    Decimal(r["amount"]),
                    r["points"],
                    tuple(ReturnedLine(n["s"], n["q"], n["p"]) for n in r.get("lines", ())),
                )
                for r in doc["returns"]
            )
            if "returns" in doc
            else legacy[1]
        ),
        activity_counts=tuple(
            ActivityCount(c["k"], c["p"], c["c"]) for c in doc.get("activity_counts", ())
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
                opt_utc(r["used_at"]),
                r["used_store_id"],
                r.get("entry_id"),
            )
            for r in doc["rewards"]
        ),
        idempotency=tuple(request_from_doc(r) for r in doc["idempotency"]),
        idempotency_spilled_at=opt_utc(doc.get("idempotency_spilled_at")),
        merged_ids=tuple(doc.get("merged_ids", ())),
        merged_into=doc.get("merged_into"),
        **profile_and_campaigns_from(doc),
        challenges=challenges_from_doc(doc),
        pending=tuple(
            PendingPoints(p["i"], p["p"], utc(p["e"]), utc(p["r"])) for p in doc.get("held", ())
        ),
        referral_code=doc.get("referral_code"),
        referral=referral_from(doc.get("referral"), opt_utc),
        partner_links=partner_links_from(doc, utc),
    )


def _batch_from(raw: Doc) -> PointBatch:
    if "id" in raw:  # written before the short names
        return PointBatch(
            raw["id"], raw["points"], utc(raw["earned_at"]), opt_utc(raw["expires_at"])
        )
    return PointBatch(raw["i"], raw["p"], utc(raw["e"]), opt_utc(raw["x"]))


def legacy_order_from_doc(o: Doc) -> OrderRecord:
    """An order as members kept them before orders moved to the ledger."""
    return OrderRecord(
        o["order_id"],
        Decimal(o["amount"]),
        o["currency"],
        o["points"],
        o["batch_id"],
        utc(o["earned_at"]),
        o["store_id"],
    )


def _legacy_orders(doc: Doc) -> tuple[tuple[DayActivity, ...], tuple[ReturnedOrder, ...]]:
    """A document from before orders moved to the ledger: its orders, as days and returns.
    (The orders stay in the document, read by returns, until a save no longer needs them.)"""
    activity: tuple[DayActivity, ...] = ()
    returns: list[ReturnedOrder] = []
    for o in doc.get("orders", ()):
        order = legacy_order_from_doc(o)
        returned, points = Decimal(o["returned_amount"]), o["returned_points"]
        activity = with_purchase(activity, order.earned_at, order.points, order.amount)
        if returned:
            returns.append(ReturnedOrder(order.order_id, order.earned_at, returned, points))
            activity = with_return(
                activity, order.earned_at, points, returned, returned == order.amount
            )
    return activity, tuple(returns)


def request_to_doc(r: IdempotencyRecord) -> Doc:
    return {
        "key": r.key,
        "fingerprint": r.fingerprint,
        "entry_id": r.entry_id,
        "recorded_at": r.recorded_at,
        "member_reward_id": r.member_reward_id,
    }


def request_from_doc(r: Doc) -> IdempotencyRecord:
    return IdempotencyRecord(
        r["key"], r["fingerprint"], r["entry_id"], utc(r["recorded_at"]), r["member_reward_id"]
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
        **({"partner": entry.partner} if entry.partner else {}),
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
        partner=doc.get("partner"),
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
        **stats_to_doc(event.stats),
        "balance": event.balance,
        "member_reward_id": event.member_reward_id,
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
        stats=stats_from_doc(doc),
        balance=doc.get("balance"),
        member_reward_id=doc.get("member_reward_id"),
    )


def spilled_request_doc(member_id: str, record: IdempotencyRecord) -> Doc:
    """A request kept outside its member, by member and key (`storage.recorded`)."""
    return {"_id": f"{member_id}:{record.key}", "member_id": member_id, **request_to_doc(record)}


def _returned_line_doc(line: ReturnedLine) -> Doc:
    return {"s": line.sku, "q": line.quantity, "p": line.points}
