"""Earn on purchases: each line priced by the earn rules, the points in a batch by expiry day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from domain import referral_rewards
from domain.activity import with_purchase
from domain.challenges import on_purchase
from domain.commands import RecordPurchase, fingerprint
from domain.earn_rules import Earning, Purchase, earnings
from domain.earn_rules.campaigns import after_purchase
from domain.errors import UnsupportedCurrency
from domain.events import Change
from domain.expiry import kept_alive, new_batch
from domain.idempotency import remember
from domain.ledger import EntryKind, LedgerEntry, NewId, add
from domain.member import IdempotencyRecord, Member, OrderRecord
from domain.pending import hold, releases_at
from domain.points_payment import on_money_paid, paid_entry, pay_with_points, validate_points_paid
from domain.program import Program
from domain.purchase_lines import as_lines, line_records, validate_lines
from domain.tiers import tier_changed_entry, upgrade
from domain.validation import optional_id, require_id, require_key


def validate_purchase(cmd: RecordPurchase, program: Program) -> RecordPurchase:
    currency = require_id("currency", cmd.currency, 3).upper()
    if currency != program.currency:
        raise UnsupportedCurrency(f"{program.name} accepts {program.currency} only; got {currency}")
    lined = validate_lines(cmd, program.currency_decimals)
    return replace(
        validate_points_paid(lined, program),
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


def price(
    member: Member,
    cmd: RecordPurchase,
    program: Program,
    now: datetime,
    budgets: Mapping[str, int] | None = None,
) -> Priced:
    """The one pricing of a purchase: `record_purchase` earns it, a preview shows it.
    `budgets`: what campaigns with a budget may still give (see `earn_rules.kind.Purchase`)."""
    purchase = purchase_of(cmd, now, budgets)
    earned = on_money_paid(earnings(purchase, member, program), cmd, program)
    per_line = tuple(sum(e.per_line[n] for e in earned) for n in range(len(purchase.lines)))
    return Priced(earned, per_line)


def purchase_of(
    cmd: RecordPurchase, now: datetime, budgets: Mapping[str, int] | None = None
) -> Purchase:
    lines = as_lines(cmd)
    return Purchase(
        cmd.order_id, cmd.total, cmd.currency, cmd.store_id, now, lines, cmd.channel, budgets
    )


def record_purchase(
    member: Member,
    cmd: RecordPurchase,
    program: Program,
    now: datetime,
    new_id: NewId,
    priced: Priced | None = None,
    digest: str | None = None,
) -> Change:
    """Earn what the earn rules give (priced on the member before the purchase, unless
    `priced` says already); upgrade at once. `digest`: the command's fingerprint, when the
    caller has it already (for a twenty-line cart it costs more than the pricing)."""
    priced = priced or price(member, cmd, program, now)
    earned, points, per_line = priced.earnings, priced.points, priced.per_line
    paying, paid_from = pay_with_points(member, cmd.points_paid)
    held = held_until(now, program)
    # When these points expire, by the program's policy: counted from their release.
    batch = new_batch(points, program, held or now)
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
        cmd.points_paid,
        paid_from,
    )
    activity = with_purchase(member.activity, now, priced.qualifying_points, cmd.total)
    tier = upgrade(member.tier, activity, program, now)
    entries = [entry]
    if cmd.points_paid:
        entries.append(paid_entry(member.id, cmd, now, new_id, program))
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
    request = IdempotencyRecord(cmd.idempotency_key, digest or fingerprint(cmd), entry.id, now)
    after = replace(member, batches=kept_alive(paying, program, now), activity=activity, tier=tier)
    after = referral_rewards.on_purchase(after, cmd.order_id, priced.qualifying_points, held or now)
    if held is None:
        after = replace(after, batches=add(after.batches, batch))
    else:
        after = replace(after, pending=hold(after.pending, points, now, held))
    after = after_purchase(after, earned, program, now)  # campaigns' member limits
    after, completed = on_purchase(after, cmd, program, now, new_id)  # challenges moved on
    entries.extend(completed)
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
