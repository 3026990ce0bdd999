"""What the member is counting down to. The one function every surface and message uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.member import Member, RewardStatus
from domain.pending import next_release
from domain.program import Program
from domain.tiers import current_qualifying_points, points_to_keep
from domain.time_zones import local_day


class CountdownKind(Enum):
    NEXT_REWARD = "NEXT_REWARD"
    NEXT_TIER = "NEXT_TIER"
    POINTS_EXPIRY = "POINTS_EXPIRY"
    REWARD_EXPIRY = "REWARD_EXPIRY"
    TIER_REQUALIFICATION = "TIER_REQUALIFICATION"
    TIER_GRACE = "TIER_GRACE"  # short at the date: the tier is kept until grace ends
    POINTS_PENDING = "POINTS_PENDING"  # points held until a return window's hold ends


@dataclass(frozen=True, slots=True)
class Countdown:
    kind: CountdownKind
    label: str
    points_remaining: int | None
    deadline: datetime | None


def countdowns_for(member: Member, program: Program, now: datetime) -> tuple[Countdown, ...]:
    found = (
        _next_reward(member, program),
        _next_tier(member, program, now),
        _points_expiry(member, program),
        _reward_expiry(member, program),
        _requalification(member, program, now),
        _points_pending(member),
    )
    return tuple(c for c in found if c is not None)


def _next_reward(member: Member, program: Program) -> Countdown | None:
    rank = program.tier_rank(member.tier.code)
    balance = member.balance
    within_reach = [
        r for r in program.rewards if program.tier_rank(r.min_tier) <= rank and r.cost > balance
    ]
    if not within_reach:
        return None
    reward = min(within_reach, key=lambda r: (r.cost, r.id))
    missing = reward.cost - balance
    return Countdown(CountdownKind.NEXT_REWARD, f"{missing} points to {reward.name}", missing, None)


def _next_tier(member: Member, program: Program, now: datetime) -> Countdown | None:
    upcoming = program.next_tier(member.tier.code)
    if upcoming is None:
        return None
    missing = max(0, upcoming.threshold - current_qualifying_points(member.activity, program, now))
    return Countdown(CountdownKind.NEXT_TIER, f"{missing} points to {upcoming.name}", missing, None)


def _points_expiry(member: Member, program: Program) -> Countdown | None:
    expiring = [b for b in member.batches if b.points > 0 and b.expires_at is not None]
    if not expiring:
        return None
    soonest = min(expiring, key=lambda b: (b.expires_at, b.id))
    deadline = soonest.expires_at
    assert deadline is not None
    # The program's day: a deadline is the end of a day there, which UTC may call the next.
    label = f"{soonest.points} points expire on {local_day(deadline, program.time_zone)}"
    return Countdown(CountdownKind.POINTS_EXPIRY, label, soonest.points, deadline)


def _reward_expiry(member: Member, program: Program) -> Countdown | None:
    active = [r for r in member.rewards if r.status is RewardStatus.ACTIVE]
    if not active:
        return None
    soonest = min(active, key=lambda r: (r.expires_at, r.id))
    reward = program.reward(soonest.reward_id)
    name = reward.name if reward else soonest.reward_id
    label = f"{name} voucher {soonest.code} expires on {soonest.expires_at:%Y-%m-%d}"
    return Countdown(CountdownKind.REWARD_EXPIRY, label, None, soonest.expires_at)


def _requalification(member: Member, program: Program, now: datetime) -> Countdown | None:
    needed = points_to_keep(member.tier, member.activity, program, now)
    if needed is None or member.tier.requalify_by is None:
        return None
    name = program.tier(member.tier.code).name
    by = f"{member.tier.requalify_by:%Y-%m-%d}"
    if member.tier.in_grace:
        label = (
            f"{name} is secured: grace ends {by}"
            if needed == 0
            else f"Grace period: {needed} points by {by} to keep {name}"
        )
        return Countdown(CountdownKind.TIER_GRACE, label, needed, member.tier.requalify_by)
    label = (
        f"{name} is secured until {by}"
        if needed == 0
        else f"{needed} points by {by} to keep {name}"
    )
    return Countdown(CountdownKind.TIER_REQUALIFICATION, label, needed, member.tier.requalify_by)


def _points_pending(member: Member) -> Countdown | None:
    """The next hold to be released: its points and when (the pending balance may hold
    more, released later)."""
    soonest = next_release(member.pending)
    if soonest is None:
        return None
    label = f"{soonest.points} pending points spendable from {soonest.releases_at:%Y-%m-%d}"
    return Countdown(CountdownKind.POINTS_PENDING, label, soonest.points, soonest.releases_at)
