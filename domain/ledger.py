"""Points as batches with an expiry, and the ledger entries that record every movement.

The balance is always the sum of the open batches; there is no counter to drift. Spending
and expiry take the soonest-expiring points first. A clawback (a return) that finds too
few points leaves a single debt batch with negative points, repaid by the next earnings;
positive batches and a debt never coexist.

Points that would expire on the same day (the program's day, `domain.expiry`) join one batch
(`batch_for`), which expires at the latest of their times: a member holds at most one batch
per day of validity, however many purchases, and no point expires before its date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from enum import Enum
from typing import Protocol, TypeVar

from domain.channel import Channel

NewId = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class PointBatch:
    id: str
    points: int  # points left; negative only for the debt batch
    earned_at: datetime
    expires_at: datetime | None  # None only for the debt batch


class EntryKind(Enum):
    ENROLLED = "ENROLLED"
    EARNED = "EARNED"
    REDEEMED = "REDEEMED"
    REWARD_USED = "REWARD_USED"
    ADJUSTED = "ADJUSTED"
    RETURNED = "RETURNED"
    EXPIRED = "EXPIRED"
    MERGED = "MERGED"
    IDENTIFIER_LINKED = "IDENTIFIER_LINKED"
    TIER_CHANGED = "TIER_CHANGED"
    CHECKED_IN = "CHECKED_IN"
    REDEMPTION_CANCELLED = "REDEMPTION_CANCELLED"
    ACTIVITY = "ACTIVITY"  # points for something that is not a purchase (a review, a survey)
    POINTS_PAID = "POINTS_PAID"  # points spent on an order, as part of its payment
    POINTS_REFUNDED = "POINTS_REFUNDED"  # points paid on an order, given back by its return
    PROFILE_CHANGED = "PROFILE_CHANGED"  # name, birthday or time zone (no points)
    CHALLENGE_COMPLETED = "CHALLENGE_COMPLETED"  # a challenge's reward (domain.challenges)
    # Held points made spendable at the end of their hold (0 points: they were counted
    # when EARNED; see `domain.pending`).
    POINTS_RELEASED = "POINTS_RELEASED"
    # A referral's reward: the friend's once their first qualifying purchase cleared its
    # hold, the referrer's in a job that follows (`domain.referral_rewards`).
    REFERRAL_REWARDED = "REFERRAL_REWARDED"
    PARTNER_EARNED = "PARTNER_EARNED"  # points for an activity at a partner (domain.partners)
    PARTNER_LINKED = "PARTNER_LINKED"  # the member linked an account at a partner (0 points)
    PARTNER_UNLINKED = "PARTNER_UNLINKED"  # the member or the partner unlinked it (0 points)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: str
    member_id: str
    kind: EntryKind
    points: int
    created_at: datetime
    channel: Channel | None = None
    store_id: str | None = None
    order_id: str | None = None
    reason: str | None = None
    partner: str | None = None  # the partner it happened at (a partner's activity or link)


def balance_of(batches: Iterable[PointBatch]) -> int:
    return sum(b.points for b in batches)


def _soonest_first(batches: Iterable[PointBatch]) -> list[PointBatch]:
    return sorted(
        (b for b in batches if b.points > 0),
        key=lambda b: (b.expires_at or datetime.max.replace(tzinfo=b.earned_at.tzinfo), b.id),
    )


class Points(Protocol):
    """What holds points under an id: a batch, or held points (`domain.pending`)."""

    @property
    def id(self) -> str: ...
    @property
    def points(self) -> int: ...


Holding = TypeVar("Holding", bound=Points)


def take_in_order(
    holdings: tuple[Holding, ...], ordered: Iterable[Holding], points: int
) -> tuple[tuple[Holding, ...], int]:
    """Remove up to `points` from `holdings`, taking them from `ordered` (some of them) in
    that order; an emptied one is dropped. Returns what is left and how much was taken."""
    remaining, kept = points, {h.id: h for h in holdings}
    for holding in ordered:
        if remaining == 0:
            break
        used = min(holding.points, remaining)
        remaining -= used
        if used == holding.points:
            del kept[holding.id]
        else:
            # Both kinds of holding are frozen dataclasses (a Protocol cannot say so).
            kept[holding.id] = replace(holding, points=holding.points - used)  # type: ignore[type-var]
    return tuple(kept[h.id] for h in holdings if h.id in kept), points - remaining


def take(batches: tuple[PointBatch, ...], points: int) -> tuple[PointBatch, ...]:
    """Remove `points` from the positive batches, soonest-expiring first (caller checks cover)."""
    kept, taken = take_in_order(batches, _soonest_first(batches), points)
    if taken < points:
        raise ValueError("take() asked for more points than the batches hold")
    return kept


def taken_from(
    before: tuple[PointBatch, ...], after: tuple[PointBatch, ...]
) -> tuple[PointBatch, ...]:
    """What a spend took from each batch (as batches holding those points), so that a
    cancelled redemption can put them back where they came from."""
    left = {b.id: b.points for b in after}
    return tuple(
        replace(b, points=b.points - left.get(b.id, 0))
        for b in before
        if b.points > 0 and b.points > left.get(b.id, 0)
    )


def put_back(
    batches: tuple[PointBatch, ...], portions: tuple[PointBatch, ...], now: datetime
) -> tuple[tuple[PointBatch, ...], int]:
    """Return spent points to the batches they came from, with their own expiry (a debt is
    repaid first, as by any points coming in). Points whose expiry passed meanwhile expire
    at once, as they would have: the second value is how many (see `lapsed`)."""
    gone = 0
    for portion in portions:
        if portion.expires_at is not None and portion.expires_at <= now:
            gone += portion.points
        else:
            batches = add(batches, portion)
    return batches, gone


def lapsed(member_id: str, points: int, now: datetime, new_id: NewId) -> tuple[LedgerEntry, ...]:
    """The EXPIRED entry of points given back after their expiry date (none if none)."""
    if points == 0:
        return ()
    why = f"{points} points given back after their expiry date expired at once"
    return (LedgerEntry(new_id("ent"), member_id, EntryKind.EXPIRED, -points, now, reason=why),)


def share_of(points: int, part: Decimal, whole: Decimal) -> int:
    """The points of `part` of `whole`, rounded down: on running totals, the parts add up
    (and the whole of an empty whole is all its points)."""
    if whole == 0:
        return points
    return int((Decimal(points) * part / whole).to_integral_value(rounding=ROUND_FLOOR))


def portion(paid: tuple[PointBatch, ...], start: int, points: int) -> tuple[PointBatch, ...]:
    """Points `start` to `start + points` of what a payment took (in the order it took
    them), as batches: successive partial refunds of one payment give back each point once."""
    found: list[PointBatch] = []
    offset = 0
    for batch in paid:
        low, high = max(start, offset), min(start + points, offset + batch.points)
        if high > low:
            found.append(replace(batch, points=high - low))
        offset += batch.points
    return tuple(found)


def batch_for(expires_at: datetime) -> str:
    """The id of the batch for points expiring at `expires_at`: one per expiry day (the day
    `expires_at` is in: `domain.expiry.batch_key` gives it in the program's zone), so that
    points expiring the same day join it, a merge pools same-day batches, and an order names
    the batch its points went to."""
    return f"bat-{expires_at:%Y%m%d}"


def add(batches: tuple[PointBatch, ...], new_batch: PointBatch) -> tuple[PointBatch, ...]:
    """Add earned points; a debt is repaid first. Points for an existing batch's id join it
    (see `batch_for`)."""
    debt = _debt(batches)
    if debt is None:
        if new_batch.points <= 0:
            return batches
        # New points usually expire last: their batch, if any, is the last one.
        at = next((i for i in range(len(batches) - 1, -1, -1) if batches[i].id == new_batch.id), -1)
        if at < 0:
            return (*batches, new_batch)
        same = batches[at]
        joined = replace(
            same,
            points=same.points + new_batch.points,
            expires_at=_latest(same.expires_at, new_batch.expires_at),
        )
        return (*batches[:at], joined, *batches[at + 1 :])
    rest = tuple(b for b in batches if b is not debt)
    left = debt.points + new_batch.points
    if left < 0:
        return (*rest, replace(debt, points=left))
    return (*rest, replace(new_batch, points=left)) if left > 0 else rest


def claw_back(
    batches: tuple[PointBatch, ...],
    points: int,
    prefer_batch: str | None,
    debt_id: str,
    now: datetime,
) -> tuple[PointBatch, ...]:
    """Take back points, from `prefer_batch` first; what is missing becomes a debt."""
    remaining, result = points, batches
    preferred = next((b for b in batches if b.id == prefer_batch and b.points > 0), None)
    if preferred is not None:
        used = min(preferred.points, remaining)
        remaining -= used
        result = tuple(replace(b, points=b.points - used) if b is preferred else b for b in result)
        result = tuple(b for b in result if b.points != 0)
    available = sum(b.points for b in result if b.points > 0)
    used = min(available, remaining)
    result = take(result, used)
    remaining -= used
    if not remaining:
        return result
    # Nothing positive is left here, so the shortfall joins (or becomes) the one debt batch.
    debt = next((b for b in result if b.points < 0), None)
    if debt is None:
        return (*result, PointBatch(debt_id, -remaining, now, None))
    return tuple(replace(b, points=b.points - remaining) if b is debt else b for b in result)


def _debt(batches: tuple[PointBatch, ...]) -> PointBatch | None:
    # A debt never sits beside other batches, so it can only be the one batch.
    return batches[0] if len(batches) == 1 and batches[0].points < 0 else None


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return None if a is None or b is None else max(a, b)


def split_expired(
    batches: tuple[PointBatch, ...], now: datetime
) -> tuple[tuple[PointBatch, ...], int]:
    """The batches still open at `now`, and how many points expired."""
    gone = [b for b in batches if b.expires_at is not None and b.expires_at <= now]
    if not gone:
        return batches, 0
    kept = tuple(b for b in batches if b.expires_at is None or b.expires_at > now)
    return kept, sum(b.points for b in gone)


def merge_batches(
    ours: tuple[PointBatch, ...], theirs: tuple[PointBatch, ...]
) -> tuple[PointBatch, ...]:
    """Pool two members' batches (a batch of the same expiry day joins ours), netting any
    debt against the pooled points."""
    positives: tuple[PointBatch, ...] = ()
    for batch in (b for b in (*ours, *theirs) if b.points > 0):
        positives = add(positives, batch)
    debts = [b for b in (*ours, *theirs) if b.points < 0]
    owed = -sum(b.points for b in debts)
    if not owed:
        return positives
    covered = min(owed, balance_of(positives))
    result = take(positives, covered)
    if owed > covered:
        return (*result, replace(debts[0], points=covered - owed))
    return result
