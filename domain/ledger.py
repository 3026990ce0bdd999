"""Points as batches with an expiry, and the ledger entries that record every movement.

The balance is always the sum of the open batches; there is no counter to drift. Spending
and expiry take the soonest-expiring points first. A clawback (a return) that finds too
few points leaves a single debt batch with negative points, repaid by the next earnings;
positive batches and a debt never coexist.

Points that would expire on the same day (UTC) join one batch (`batch_for`), which expires
at the latest of their times: a member holds at most one batch per day of validity, however
many purchases, and no point expires before its date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
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
    # Held points made spendable at the end of their hold (0 points: they were counted
    # when EARNED; see `domain.pending`).
    POINTS_RELEASED = "POINTS_RELEASED"
    # A referral's reward: the friend's once their first qualifying purchase cleared its
    # hold, the referrer's in a job that follows (`domain.referral_rewards`).
    REFERRAL_REWARDED = "REFERRAL_REWARDED"


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
    batches: tuple[PointBatch, ...], portions: tuple[PointBatch, ...]
) -> tuple[PointBatch, ...]:
    """Return spent points to the batches they came from, with their own expiry (a debt is
    repaid first, as by any points coming in)."""
    for portion in portions:
        batches = add(batches, portion)
    return batches


def batch_for(expires_at: datetime) -> str:
    """The id of the batch for points expiring at `expires_at`: one per expiry day (UTC),
    so that points expiring the same day join it, a merge pools same-day batches, and an
    order names the batch its points went to."""
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
