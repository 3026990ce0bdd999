"""Tier status: immediate upgrades, downgrades only at the requalification date, one step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from domain.activity import DayActivity, within
from domain.channel import Channel
from domain.clock import add_months
from domain.ledger import EntryKind, LedgerEntry, NewId
from domain.member import TierStatus
from domain.program import Program


def qualifying_points(
    activity: Iterable[DayActivity], program: Program, as_of: datetime, until: datetime
) -> int:
    """Purchase points (less returns) earned in the window that ends at `as_of`, counted up
    to `until`, in whole days (`domain.activity`)."""
    since = add_months(as_of, -program.qualifying_window_months)
    return sum(a.qualifying_points for a in within(activity, since, until))


def current_qualifying_points(
    activity: Iterable[DayActivity], program: Program, now: datetime
) -> int:
    return qualifying_points(activity, program, now, now)


def entry_status(program: Program, now: datetime) -> TierStatus:
    return TierStatus(program.tiers[0].code, now, None)


def reached_status(code: str, program: Program, now: datetime) -> TierStatus:
    requalify_by = (
        None if code == program.tiers[0].code else add_months(now, program.tier_validity_months)
    )
    return TierStatus(code, now, requalify_by)


def upgrade(
    status: TierStatus, activity: Iterable[DayActivity], program: Program, now: datetime
) -> TierStatus:
    """The status after points were added: a higher tier is granted at once."""
    earned = program.tier_for_points(current_qualifying_points(activity, program, now))
    if program.tier_rank(earned.code) > program.tier_rank(status.code):
        return reached_status(earned.code, program, now)
    return status


def requalify(
    status: TierStatus, activity: tuple[DayActivity, ...], program: Program, now: datetime
) -> TierStatus:
    """Apply every requalification date that has passed, one tier down at most per date;
    a member short at the date keeps the tier through the program's grace first."""
    grace = timedelta(days=program.tier_grace_days)
    while status.requalify_by is not None and status.requalify_by <= now:
        deadline = status.requalify_by
        points = qualifying_points(activity, program, deadline, deadline)
        earned_rank = program.tier_rank(program.tier_for_points(points).code)
        rank = program.tier_rank(status.code)
        if earned_rank >= rank:
            status = TierStatus(
                status.code, status.reached_at, add_months(deadline, program.tier_validity_months)
            )
        elif grace and not status.in_grace:
            status = TierStatus(status.code, status.reached_at, deadline + grace, in_grace=True)
        else:
            status = reached_status(program.tiers[rank - 1].code, program, deadline)
    return status


def points_to_keep(
    status: TierStatus, activity: tuple[DayActivity, ...], program: Program, now: datetime
) -> int | None:
    """How many more qualifying points keep the tier at its requalification date."""
    if status.requalify_by is None:
        return None
    counted = qualifying_points(activity, program, status.requalify_by, now)
    return max(0, program.tier(status.code).threshold - counted)


def tier_changed_entry(
    member_id: str,
    before: str,
    after: str,
    why: str,
    now: datetime,
    new_id: NewId,
    channel: Channel | None = None,
    store_id: str | None = None,
    order_id: str | None = None,
) -> LedgerEntry:
    """The audit line for a tier change; it moves no points."""
    return LedgerEntry(
        new_id("ent"),
        member_id,
        EntryKind.TIER_CHANGED,
        0,
        now,
        channel=channel,
        store_id=store_id,
        order_id=order_id,
        reason=f"{before} -> {after}: {why}",
    )
