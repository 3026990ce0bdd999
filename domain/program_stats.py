"""The program's figures as counters: what one member version changes in them.

The dashboard (`programStats`) never reads members. Each committed member version carries a
`StatsDelta`, computed here from the member before and after and the entries written; the
relay adds it to day counters once (`storage.program_stats`). Two kinds of counter:

- flows, summed over the days of a period: points issued, redeemed, expired and clawed back,
  purchases (and repeat ones), net spend, enrolments, messages;
- gauges, the sum over live members of what each holds (members, their tiers, open points by
  expiry month, held points, members by the month of their latest purchase), kept as the
  change each version made to its member's share: summed up to a day they give the gauge as
  it stood that day. A member merged away holds nothing (its survivor holds its points), so
  a merge moves points between shares and leaves the totals as they were.

Counter names are `kind` or `kind:key` (a tier code, a month `YYYY-MM`, a reason).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Protocol

from domain.ledger import EntryKind, LedgerEntry
from domain.member import Member, OrderRecord
from domain.messaging.message import Message, MessageStatus

# Money is counted exactly, as an integer of 1/10,000 of the currency unit (ISO currencies
# have at most 4 decimals): `$inc` adds integers on every store.
SPEND_SCALE = Decimal(10_000)

ISSUING = frozenset(
    {
        EntryKind.EARNED,
        EntryKind.ACTIVITY,
        EntryKind.CHALLENGE_COMPLETED,
        EntryKind.REFERRAL_REWARDED,
        EntryKind.ENROLLED,
    }
)
# Spent on rewards or on an order's payment; a cancelled redemption or a refunded payment
# gives them back (so they count negative here).
REDEEMING = frozenset(
    {
        EntryKind.REDEEMED,
        EntryKind.POINTS_PAID,
        EntryKind.REDEMPTION_CANCELLED,
        EntryKind.POINTS_REFUNDED,
    }
)


@dataclass(frozen=True, slots=True)
class StatsDelta:
    """What one member version adds to the counters (names: see the module), and the moment
    it happened (None: the relay's moment; a version with no entry, such as a merge's
    freeze)."""

    counts: Mapping[str, int] = field(default_factory=dict)
    at: datetime | None = None


def _held(member: Member | None) -> Member | None:
    """The member as it counts in the gauges: not at all once merged away."""
    return None if member is None or member.merged_into is not None else member


def share_of(member: Member | None) -> Counter[str]:
    """What a member holds in the gauges, but for its open points (`_liability_change`)."""
    share: Counter[str] = Counter()
    held = _held(member)
    if held is None:
        return share
    share["members"] = 1
    share[f"tier:{held.tier.code}"] = 1
    share["pending"] = held.pending_balance
    # Days are kept in order: the latest purchase is near the end.
    last = next((day.day for day in reversed(held.activity) if day.orders > 0), None)
    if last is not None:
        share[f"buyers:{last.year:04d}-{last.month:02d}"] = 1
    return share


def _liability_change(before: Member | None, after: Member | None) -> Counter[str]:
    """Open points by expiry month, after less before. A member holds up to a batch a day
    of validity and a command changes few of them: only the batches that are not the same
    object on both sides are looked at (the rest were carried over untouched)."""
    was = before.batches if before is not None else ()
    now = after.batches if after is not None else ()
    change: Counter[str] = Counter()
    if was is now:
        return change
    kept_was, kept_now = set(map(id, was)), set(map(id, now))
    gone = [(b, -1) for b in was if id(b) not in kept_now]
    came = [(b, 1) for b in now if id(b) not in kept_was]
    for batch, sign in (*gone, *came):
        if batch.points > 0 and batch.expires_at is not None:
            expires = batch.expires_at.astimezone(UTC)
            change[f"liability:{expires.year:04d}-{expires.month:02d}"] += sign * batch.points
    return change


def _flows(
    before: Member | None,
    after: Member,
    entries: Iterable[LedgerEntry],
    order: OrderRecord | None,
    returned_order: str | None,
) -> Counter[str]:
    flows: Counter[str] = Counter()
    for entry in entries:
        if entry.kind in ISSUING or (entry.kind is EntryKind.ADJUSTED and entry.points > 0):
            flows["points_issued"] += entry.points
        elif entry.kind in REDEEMING:
            flows["points_redeemed"] -= entry.points
        elif entry.kind is EntryKind.EXPIRED:
            flows["points_expired"] -= entry.points
        elif entry.kind in {EntryKind.RETURNED, EntryKind.ADJUSTED}:
            flows["points_clawed_back"] -= entry.points
        if entry.kind is EntryKind.ENROLLED:
            flows["enrolled"] += 1
    if order is not None:
        flows["purchases"] += 1
        flows["spend"] += _scaled(order.amount)
        if before is not None and before.first_purchase_at is not None:
            flows["repeat_purchases"] += 1
    if returned_order is not None:
        now = after.returned(returned_order)
        then = before.returned(returned_order) if before is not None else None
        taken = (now.amount if now else Decimal(0)) - (then.amount if then else Decimal(0))
        flows["spend"] -= _scaled(taken)
    return flows


def stats_delta(
    before: Member | None,
    after: Member,
    entries: tuple[LedgerEntry, ...],
    order: OrderRecord | None = None,
    returned_order: str | None = None,
) -> StatsDelta:
    """The change from `before` (None: the member is new) to `after`, with its entries and,
    for a purchase, its order (for a return, the id of the order returned)."""
    counts = _flows(before, after, entries, order, returned_order)
    counts.update(share_of(after))
    counts.subtract(share_of(before))
    counts.update(_liability_change(_held(before), _held(after)))
    at = max((e.created_at for e in entries), default=None)
    return StatsDelta({name: n for name, n in sorted(counts.items()) if n}, at)


def _scaled(amount: Decimal) -> int:
    return int((amount * SPEND_SCALE).to_integral_value())


class ProgramStatsStore(Protocol):
    """The counters in storage (`storage.program_stats`)."""

    async def totals(
        self, first_day: str, last_day: str
    ) -> tuple[Mapping[str, int], Mapping[str, int]]:
        """Two sums of the day counters: every day up to `last_day` (the gauges as they
        stood, and lifetime flows), and the days from `first_day` to `last_day` (the
        period's flows). Days are `YYYY-MM-DD`, UTC."""
        ...


def message_delta(message: Message) -> StatsDelta | None:
    """A message's outcome, counted once when it reaches it: sent (by channel) or
    suppressed (by reason). None for any other state."""
    if message.status is MessageStatus.SENT and message.channel is not None:
        return StatsDelta({f"sent:{message.channel.value}": 1}, message.updated_at)
    if message.status is MessageStatus.SUPPRESSED and message.suppressed_reason is not None:
        return StatsDelta({f"suppressed:{message.suppressed_reason.value}": 1}, message.updated_at)
    return None
