"""Earn on purchases; claw back in proportion on returns."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from domain.activity import with_purchase, with_return
from domain.clock import add_months
from domain.commands import RecordPurchase, ReturnPurchase, fingerprint
from domain.earn_rules import Purchase, earnings
from domain.errors import (
    OrderNotFound,
    ReturnExceedsPurchase,
    UnsupportedCurrency,
)
from domain.events import Change
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, PointBatch, add, batch_for, claw_back
from domain.member import IdempotencyRecord, Member, OrderRecord, ReturnedOrder
from domain.program import Program
from domain.tiers import tier_changed_entry, upgrade
from domain.validation import optional_id, require_amount, require_id, require_key


def validate_purchase(cmd: RecordPurchase, program: Program) -> RecordPurchase:
    currency = require_id("currency", cmd.currency, 3).upper()
    if currency != program.currency:
        raise UnsupportedCurrency(f"{program.name} accepts {program.currency} only; got {currency}")
    return replace(
        cmd,
        order_id=require_id("orderId", cmd.order_id),
        amount=require_amount("amount", cmd.amount, program.currency_decimals),
        currency=currency,
        store_id=optional_id("storeId", cmd.store_id),
        idempotency_key=require_key(cmd.idempotency_key),
    )


def record_purchase(
    member: Member, cmd: RecordPurchase, program: Program, now: datetime, new_id: NewId
) -> Change:
    """Earn what the earn rules give (priced on the member before the purchase); upgrade at
    once."""
    purchase = Purchase(cmd.order_id, cmd.amount, cmd.currency, cmd.store_id, now)
    points = sum(e.points for e in earnings(purchase, member, program))
    expires = add_months(now, program.points_validity_months)
    batch = PointBatch(batch_for(expires), points, now, expires)
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.EARNED,
        points,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        order_id=cmd.order_id,
    )
    order = OrderRecord(cmd.order_id, cmd.amount, cmd.currency, points, batch.id, now, cmd.store_id)
    activity = with_purchase(member.activity, now, points, cmd.amount)
    tier = upgrade(member.tier, activity, program, now)
    entries = [entry]
    if tier.code != member.tier.code:
        entries.append(
            tier_changed_entry(
                member.id,
                member.tier.code,
                tier.code,
                "qualifying points reached",
                now,
                new_id,
                cmd.channel,
                cmd.store_id,
                cmd.order_id,
            )
        )
    request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now)
    after = replace(member, batches=add(member.batches, batch), activity=activity, tier=tier)
    return Change(
        remember(after, request),
        tuple(entries),
        EntryKind.EARNED,
        cmd.channel,
        cmd.store_id,
        entry.id,
        previous_tier=member.tier.code if tier.code != member.tier.code else None,
        order_id=cmd.order_id,
        request=request,
        order=order,
    )


def validate_return(cmd: ReturnPurchase, program: Program) -> ReturnPurchase:
    return replace(
        cmd,
        order_id=require_id("orderId", cmd.order_id),
        amount=require_amount("amount", cmd.amount, program.currency_decimals),
        idempotency_key=require_key(cmd.idempotency_key),
        store_id=optional_id("storeId", cmd.store_id),
    )


def return_purchase(
    member: Member,
    order: OrderRecord | None,
    cmd: ReturnPurchase,
    program: Program,
    now: datetime,
    new_id: NewId,
) -> Change:
    """Reverse the order's points in proportion to what came back; may leave a debt.
    `order` is the order as recorded (None: not on record)."""
    if order is None or order.earned_at + timedelta(days=program.return_window_days) < now:
        raise OrderNotFound(f"order {cmd.order_id!r} is not on record (or past its return window)")
    if cmd.own_store_only and not program.returns_any_store and order.store_id != cmd.store_id:
        raise OrderNotFound(
            f"order {cmd.order_id!r} is not on record at {cmd.store_id}: a till takes back "
            "its own store's orders only"
        )
    before = member.returned(order.order_id) or ReturnedOrder(
        order.order_id, order.earned_at, Decimal(0), 0
    )
    returned = before.amount + cmd.amount
    if returned > order.amount:
        left = order.amount - before.amount
        raise ReturnExceedsPurchase(
            f"order {cmd.order_id} was {order.amount} {order.currency}; "
            f"{left} {order.currency} can still be returned"
        )
    # Counted on the running total, so that partial returns add up to exactly the order's points.
    reversed_total = int(
        (Decimal(order.points) * returned / order.amount).to_integral_value(rounding=ROUND_FLOOR)
    )
    points = reversed_total - before.points
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.RETURNED,
        -points,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        order_id=order.order_id,
        reason=f"returned {cmd.amount} {order.currency} of {order.amount}",
    )
    now_returned = ReturnedOrder(order.order_id, order.earned_at, returned, reversed_total)
    request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now)
    after = replace(
        member,
        batches=claw_back(member.batches, points, order.batch_id, new_id("debt"), now),
        activity=with_return(
            member.activity, order.earned_at, points, cmd.amount, returned == order.amount
        ),
        returns=(*(r for r in member.returns if r.order_id != order.order_id), now_returned),
    )
    return Change(
        remember(after, request),
        (entry,),
        EntryKind.RETURNED,
        cmd.channel,
        cmd.store_id,
        entry.id,
        order_id=order.order_id,
        request=request,
    )
