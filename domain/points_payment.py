"""Orders paid partly with points: the points are spent at the till, soonest-expiring
first, like a redemption; the part of the order they paid earns nothing (points are not
earned on points); a return gives them back to the batches they came from, with their own
expiry, in proportion to what came back, as a cancelled redemption does."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from domain.commands import RecordPurchase
from domain.earn_rules import Earning
from domain.errors import InsufficientPoints, InvalidInput
from domain.ledger import (
    EntryKind,
    LedgerEntry,
    NewId,
    PointBatch,
    portion,
    share_of,
    take,
    taken_from,
)
from domain.member import Member, OrderRecord
from domain.program import Program

MAX_POINTS_PAID = 1_000_000_000


def validate_points_paid(cmd: RecordPurchase, program: Program) -> RecordPurchase:
    """`cmd` with its total known: the points may pay for the order, not more."""
    if not 0 <= cmd.points_paid <= MAX_POINTS_PAID:
        raise InvalidInput("pointsPaid", f"between 0 and {MAX_POINTS_PAID}")
    worth = cmd.points_paid * program.point_value
    if worth > cmd.total:
        raise InvalidInput(
            "pointsPaid",
            f"{cmd.points_paid} points are worth {worth} {program.currency}, more than the "
            f"order's {cmd.total}",
        )
    return cmd


def on_money_paid(
    earned: tuple[Earning, ...], cmd: RecordPurchase, program: Program
) -> tuple[Earning, ...]:
    """Each rule's points on the share of the order paid in money, each line rounded down."""
    if cmd.points_paid == 0:
        return earned
    money = cmd.total - cmd.points_paid * program.point_value
    share = money / cmd.total

    def scaled(points: int) -> int:
        return int((points * share).to_integral_value(rounding=ROUND_FLOOR))

    why = f"on the {money} {program.currency} paid in money"
    found = []
    for earning in earned:
        per_line = tuple(scaled(points) for points in earning.per_line)
        found.append(
            replace(earning, points=sum(per_line), per_line=per_line, why=f"{earning.why}, {why}")
        )
    return tuple(e for e in found if e.points != 0)


def pay_with_points(
    member: Member, points: int
) -> tuple[tuple[PointBatch, ...], tuple[PointBatch, ...]]:
    """The member's batches after spending `points`, and what was taken from each."""
    if points == 0:
        return member.batches, ()
    if member.balance < points:
        raise InsufficientPoints(points, member.balance)
    after = take(member.batches, points)
    return after, taken_from(member.batches, after)


def paid_entry(
    member_id: str, cmd: RecordPurchase, now: datetime, new_id: NewId, program: Program
) -> LedgerEntry:
    worth = cmd.points_paid * program.point_value
    return LedgerEntry(
        new_id("ent"),
        member_id,
        EntryKind.POINTS_PAID,
        -cmd.points_paid,
        now,
        channel=cmd.channel,
        store_id=cmd.store_id,
        order_id=cmd.order_id,
        reason=f"paid {worth} {program.currency} of order {cmd.order_id} ({cmd.total})",
    )


def refund(
    order: OrderRecord, returned_before: Decimal, returned_after: Decimal
) -> tuple[PointBatch, ...]:
    """The points paid on the order that a return gives back: the share of them that the
    amount now returned stands for, less what earlier returns gave back (running totals, so
    that returning every part gives back exactly what was paid)."""
    if order.points_paid == 0:
        return ()
    start = share_of(order.points_paid, returned_before, order.amount)
    end = share_of(order.points_paid, returned_after, order.amount)
    return portion(order.paid_from, start, end - start)
