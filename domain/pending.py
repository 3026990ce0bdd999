"""Pending points: what a purchase earned, held until the program's hold (`pending_days`)
ends, so that a return inside it takes back points the customer could never spend.

Held points are not spendable: they are not batches, and the balance (the batches) does not
count them. The member keeps one hold per release day (UTC), as batches are one per expiry
day: however many purchases, a member holds at most `pending_days + 1` holds. At its time a
hold is released (`release_due`, applied by `domain.housekeeping.settle` on the member's
next read or change, or by the expiry sweep): its points become a batch that expires a full
validity after the release, so a held point is spendable as long as any other.

The EARNED entry records the points when they are earned (its receipt says so); the release
is a POINTS_RELEASED entry of 0 points, like a merge's, which moves them from held to
spendable: the ledger's sum is the balance plus the pending balance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from domain.expiry import new_batch
from domain.ledger import EntryKind, LedgerEntry, NewId, PointBatch, add, take_in_order

if TYPE_CHECKING:
    from domain.program import Program


@dataclass(frozen=True, slots=True)
class PendingPoints:
    """Points earned and held until `releases_at` (the latest release time of the
    purchases it holds: no point is released before its hold ends)."""

    id: str
    points: int  # always positive: a hold taken to nothing is dropped
    earned_at: datetime  # the first purchase it holds
    releases_at: datetime


def hold_for(releases_at: datetime) -> str:
    """The hold for points released at `releases_at`: one per release day (UTC)."""
    return f"pen-{releases_at:%Y%m%d}"


def releases_at(earned_at: datetime, pending_days: int) -> datetime:
    return earned_at + timedelta(days=pending_days)


def hold(
    pending: tuple[PendingPoints, ...], points: int, earned_at: datetime, until: datetime
) -> tuple[PendingPoints, ...]:
    """Hold `points` until `until`, joining the hold of the same release day."""
    if points <= 0:
        return pending
    new = PendingPoints(hold_for(until), points, earned_at, until)
    same = next((p for p in pending if p.id == new.id), None)
    if same is None:
        return (*pending, new)
    joined = replace(
        same,
        points=same.points + points,
        earned_at=min(same.earned_at, earned_at),
        releases_at=max(same.releases_at, until),
    )
    return tuple(joined if p is same else p for p in pending)


def pending_balance(pending: Iterable[PendingPoints]) -> int:
    return sum(p.points for p in pending)


def next_release(pending: Iterable[PendingPoints]) -> PendingPoints | None:
    return min(pending, key=lambda p: (p.releases_at, p.id), default=None)


def release_due(
    pending: tuple[PendingPoints, ...],
    batches: tuple[PointBatch, ...],
    program: Program,
    now: datetime,
) -> tuple[tuple[PendingPoints, ...], tuple[PointBatch, ...], int]:
    """Release the holds whose time came: (holds left, batches, points released). Released
    points repay a debt first, as any points coming in. They expire as the program's policy
    says from their release, not their purchase: the hold does not shorten the time a
    member has to spend them."""
    due = sorted((p for p in pending if p.releases_at <= now), key=lambda p: p.releases_at)
    if not due:
        return pending, batches, 0
    for released in due:
        batches = add(batches, new_batch(released.points, program, released.releases_at))
    left = tuple(p for p in pending if p.releases_at > now)
    return left, batches, sum(p.points for p in due)


def take_held(
    pending: tuple[PendingPoints, ...], points: int, only: str | None = None
) -> tuple[tuple[PendingPoints, ...], int]:
    """Take up to `points` from the holds (`only` that one, if named), the latest to be
    released first; returns the holds left and how many points were taken."""
    order = sorted(
        (p for p in pending if only is None or p.id == only), key=lambda p: p.releases_at
    )
    return take_in_order(pending, reversed(order), points)


def claw_back_held(
    pending: tuple[PendingPoints, ...],
    batches: tuple[PointBatch, ...],
    points: int,
    own_hold: str,
) -> tuple[tuple[PendingPoints, ...], int]:
    """A return's take from held points, before the spendable ones: the order's own hold
    first; then, when the spendable points fall short, the other holds (rather than a debt
    that their release would repay anyway). Returns the holds left, and the points still
    to take from the batches (`domain.ledger.claw_back`, which may leave a debt)."""
    pending, taken = take_held(pending, points, own_hold)
    remaining = points - taken
    spendable = sum(b.points for b in batches if b.points > 0)
    if remaining > spendable:
        pending, more = take_held(pending, remaining - spendable)
        remaining -= more
    return pending, remaining


def merge_holds(
    ours: tuple[PendingPoints, ...], theirs: tuple[PendingPoints, ...]
) -> tuple[PendingPoints, ...]:
    """Pool two members' holds: a hold of the same release day joins ours."""
    for held in theirs:
        ours = hold(ours, held.points, held.earned_at, held.releases_at)
    return ours


def released_entry(member_id: str, points: int, now: datetime, new_id: NewId) -> LedgerEntry:
    """The release in history: 0 points (they were counted when earned), the reason says
    how many became spendable."""
    return LedgerEntry(
        new_id("ent"),
        member_id,
        EntryKind.POINTS_RELEASED,
        0,
        now,
        reason=f"{points} pending points released: now spendable",
    )
