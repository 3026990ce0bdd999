"""Earn on purchases: each line priced by the earn rules, the points in a batch by expiry day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.activity import with_purchase
from domain.clock import add_months
from domain.commands import RecordPurchase, fingerprint
from domain.earn_rules import Earning, Purchase, earnings
from domain.errors import UnsupportedCurrency
from domain.events import Change
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, PointBatch, add, batch_for
from domain.member import IdempotencyRecord, Member, OrderRecord
from domain.pending import hold, releases_at
from domain.program import Program
from domain.purchase_lines import as_lines, line_records, validate_lines
from domain.referral_rewards import on_purchase
from domain.tiers import tier_changed_entry, upgrade
from domain.validation import optional_id, require_id, require_key


def validate_purchase(cmd: RecordPurchase, program: Program) -> RecordPurchase:
    currency = require_id("currency", cmd.currency, 3).upper()
    if currency != program.currency:
        raise UnsupportedCurrency(f"{program.name} accepts {program.currency} only; got {currency}")
    return replace(
        validate_lines(cmd, program.currency_decimals),
        order_id=require_id("orderId", cmd.order_id),
        currency=currency,
        store_id=optional_id("storeId", cmd.store_id),
        idempotency_key=require_key(cmd.idempotency_key),
    )


@dataclass(frozen=True, slots=True)
class Priced:
    """What the earn rules give for a purchase: each rule that gave points, and each line's
    points (summed over the rules)."""

    earnings: tuple[Earning, ...]
    per_line: tuple[int, ...]

    @property
    def points(self) -> int:
        return sum(e.points for e in self.earnings)

    @property
    def qualifying_points(self) -> int:
        return sum(e.points for e in self.earnings if e.qualifying)


def price(member: Member, cmd: RecordPurchase, program: Program, now: datetime) -> Priced:
    """The one pricing of a purchase: `record_purchase` earns it, a preview shows it."""
    lines = as_lines(cmd)
    purchase = Purchase(cmd.order_id, cmd.total, cmd.currency, cmd.store_id, now, lines)
    earned = earnings(purchase, member, program)  # the rules that gave points
    per_line = tuple(sum(e.per_line[n] for e in earned) for n in range(len(lines)))
    return Priced(earned, per_line)


def record_purchase(
    member: Member, cmd: RecordPurchase, program: Program, now: datetime, new_id: NewId
) -> Change:
    """Earn what the earn rules give (priced on the member before the purchase); upgrade at
    once."""
    priced = price(member, cmd, program, now)
    earned, points, per_line = priced.earnings, priced.points, priced.per_line
    held = held_until(now, program)
    expires = add_months(held or now, program.points_validity_months)
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
        reason=_why(earned, points, held),  # every rule that gave points, and why
    )
    order = OrderRecord(
        cmd.order_id,
        cmd.total,
        cmd.currency,
        points,
        batch.id,  # where its points are (or go at their release)
        now,
        cmd.store_id,
        line_records(cmd, per_line),
    )
    activity = with_purchase(member.activity, now, priced.qualifying_points, cmd.total)
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
    after = replace(member, activity=activity, tier=tier)
    after = on_purchase(after, cmd.order_id, priced.qualifying_points, held or now)
    if held is None:
        after = replace(after, batches=add(member.batches, batch))
    else:
        after = replace(after, pending=hold(member.pending, points, now, held))
    return Change(
        remember(after, request),
        tuple(entries),
        EntryKind.EARNED,
        cmd.channel,
        cmd.store_id,
        entry.id,
        previous_tier=member.tier.code if tier.code != member.tier.code else None,
        order_id=cmd.order_id,
        order=order,
    )


def held_until(now: datetime, program: Program) -> datetime | None:
    """When a purchase's points made now are released (None: spendable at once)."""
    return releases_at(now, program.pending_days) if program.pending_days else None


def _why(earned: tuple[Earning, ...], points: int, held: datetime | None) -> str | None:
    why = "; ".join(e.why for e in earned)
    if held is None or points <= 0:
        return why or None
    return f"{why}; pending until {held:%Y-%m-%d %H:%M} UTC"
