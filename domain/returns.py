"""Returns: an order's points taken back in proportion to what came back, by amount for an
order recorded as an amount, by line and quantity for one recorded with lines. Counted on
running totals, so that returns of every part add up to exactly the order's points."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from domain.activity import with_return
from domain.commands import ReturnLine, ReturnPurchase, fingerprint
from domain.errors import InvalidInput, OrderNotFound, ReturnExceedsPurchase
from domain.events import Change
from domain.expiry import pooled_batches
from domain.idempotency import remember
from domain.ledger import (
    EntryKind,
    LedgerEntry,
    NewId,
    PointBatch,
    claw_back,
    lapsed,
    put_back,
    share_of,
)
from domain.member import IdempotencyRecord, Member, OrderRecord, ReturnedLine, ReturnedOrder
from domain.pending import claw_back_held, hold_for, releases_at
from domain.points_payment import refund
from domain.program import Program
from domain.purchase_lines import MAX_LINES, MAX_QUANTITY
from domain.referral_rewards import after_return
from domain.validation import optional_id, require_amount, require_id, require_key


def validate_return(cmd: ReturnPurchase, program: Program) -> ReturnPurchase:
    if cmd.amount is None and not cmd.lines:
        raise InvalidInput("amount", "give the amount returned, or the lines and quantities")
    if len(cmd.lines) > MAX_LINES:
        raise InvalidInput("lines", f"at most {MAX_LINES} lines a return")
    lines = tuple(_line(n, line) for n, line in enumerate(cmd.lines))
    if len({line.sku for line in lines}) != len(lines):
        raise InvalidInput("lines", "each sku once a return, with its quantity")
    decimals = program.currency_decimals
    return replace(
        cmd,
        order_id=require_id("orderId", cmd.order_id),
        amount=None if cmd.amount is None else require_amount("amount", cmd.amount, decimals),
        lines=lines,
        idempotency_key=require_key(cmd.idempotency_key),
        store_id=optional_id("storeId", cmd.store_id),
    )


@dataclass(frozen=True, slots=True)
class Taken:
    """What one return takes back: the amount, the points, and the order's totals after it."""

    amount: Decimal
    points: int
    after: ReturnedOrder
    why: str


def return_purchase(
    member: Member,
    order: OrderRecord | None,
    cmd: ReturnPurchase,
    program: Program,
    now: datetime,
    new_id: NewId,
) -> Change:
    """Reverse the order's points for what came back; may leave a debt. `order` is the
    order as recorded (None: not on record)."""
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
    taken = by_lines(order, before, cmd) if order.lines else by_amount(order, before, cmd)
    entry = LedgerEntry(
        new_id("ent"),
        member.id,
        EntryKind.RETURNED,
        -taken.points,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        order_id=order.order_id,
        reason=taken.why,
    )
    request = IdempotencyRecord(cmd.idempotency_key, fingerprint(cmd), entry.id, now)
    whole = taken.after.amount == order.amount
    # Points still held are taken first: the order's own hold, then (only if the spendable
    # points fall short) the others, before a debt.
    own_hold = hold_for(releases_at(order.earned_at, program.pending_days))
    pending, left = claw_back_held(member.pending, member.batches, taken.points, own_hold)
    clawed = claw_back(member.batches, left, order.batch_id, new_id("debt"), now)
    refunded = refund(order, before.amount, taken.after.amount)
    batches, gone = put_back(clawed, refunded, now)
    batches = pooled_batches(batches, program)  # under inactivity, the latest deadline
    entries = (
        entry,
        *refund_entries(member.id, order, refunded, cmd, now, new_id),
        *lapsed(member.id, gone, now, new_id),
    )
    after = replace(
        member,
        pending=pending,
        batches=batches,
        activity=with_return(member.activity, order.earned_at, taken.points, taken.amount, whole),
        returns=(*(r for r in member.returns if r.order_id != order.order_id), taken.after),
    )
    after = after_return(after, order.order_id, whole)
    return Change(
        remember(after, request),
        entries,
        EntryKind.RETURNED,
        cmd.channel,
        cmd.store_id,
        entry.id,
        order_id=order.order_id,
    )


def refund_entries(
    member_id: str,
    order: OrderRecord,
    refunded: tuple[PointBatch, ...],
    cmd: ReturnPurchase,
    now: datetime,
    new_id: NewId,
) -> tuple[LedgerEntry, ...]:
    points = sum(b.points for b in refunded)
    if points == 0:
        return ()
    entry = LedgerEntry(
        new_id("ent"),
        member_id,
        EntryKind.POINTS_REFUNDED,
        points,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        order_id=order.order_id,
        reason=f"{points} of the {order.points_paid} points paid on order {order.order_id}",
    )
    return (entry,)


def by_amount(order: OrderRecord, before: ReturnedOrder, cmd: ReturnPurchase) -> Taken:
    if cmd.lines or cmd.amount is None:
        raise InvalidInput(
            "lines", f"order {order.order_id} was recorded as an amount: give the amount returned"
        )
    returned = before.amount + cmd.amount
    if returned > order.amount:
        left = order.amount - before.amount
        raise ReturnExceedsPurchase(
            f"order {order.order_id} was {order.amount} {order.currency}; "
            f"{left} {order.currency} can still be returned"
        )
    reversed_total = share_of(order.points, returned, order.amount)
    after = ReturnedOrder(order.order_id, order.earned_at, returned, reversed_total)
    why = f"returned {cmd.amount} {order.currency} of {order.amount}"
    return Taken(cmd.amount, reversed_total - before.points, after, why)


def by_lines(order: OrderRecord, before: ReturnedOrder, cmd: ReturnPurchase) -> Taken:
    if not cmd.lines:
        raise InvalidInput(
            "lines",
            f"order {order.order_id} was recorded with lines: name the lines and quantities",
        )
    amount, points, now_returned = Decimal(0), 0, {line.sku: line for line in before.lines}
    for n, line in enumerate(cmd.lines):
        recorded = order.line(line.sku)
        if recorded is None:
            raise InvalidInput(f"lines[{n}].sku", f"order {order.order_id} has no {line.sku}")
        was = before.line(line.sku)
        quantity = was.quantity + line.quantity
        if quantity > recorded.quantity:
            raise ReturnExceedsPurchase(
                f"order {order.order_id} had {recorded.quantity} of {line.sku}; "
                f"{recorded.quantity - was.quantity} can still be returned"
            )
        line_total = share_of(recorded.points, Decimal(quantity), Decimal(recorded.quantity))
        points += line_total - was.points
        amount += recorded.unit_price * line.quantity
        now_returned[line.sku] = ReturnedLine(line.sku, quantity, line_total)
    if cmd.amount is not None and cmd.amount != amount:
        raise InvalidInput("amount", f"must equal what the lines returned cost, {amount}")
    after = ReturnedOrder(
        order.order_id,
        order.earned_at,
        before.amount + amount,
        before.points + points,
        tuple(now_returned.values()),
    )
    what = ", ".join(f"{line.quantity} \N{MULTIPLICATION SIGN} {line.sku}" for line in cmd.lines)
    why = f"returned {what} ({amount} {order.currency}) of {order.amount}"
    return Taken(amount, points, after, why)


def _line(n: int, line: ReturnLine) -> ReturnLine:
    if not 1 <= line.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"lines[{n}].quantity", f"between 1 and {MAX_QUANTITY}")
    return ReturnLine(require_id(f"lines[{n}].sku", line.sku), line.quantity)
