"""The member view: what every surface shows and every message renders, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.challenges import MemberChallenge, challenges_of
from domain.countdowns import Countdown, countdowns_for
from domain.identity import Identifier
from domain.member import Member, MemberReward
from domain.program import Program, Tier
from domain.tiers import current_qualifying_points


@dataclass(frozen=True, slots=True)
class TierProgress:
    qualifying_points: int
    next_tier: Tier | None
    points_to_next_tier: int | None
    requalify_by: datetime | None


@dataclass(frozen=True, slots=True)
class MemberView:
    id: str
    all_ids: tuple[str, ...]
    version: int
    display_name: str | None
    identifiers: tuple[Identifier, ...]
    balance: int
    tier: Tier
    tier_progress: TierProgress
    rewards: tuple[MemberReward, ...]
    countdowns: tuple[Countdown, ...]
    challenges: tuple[MemberChallenge, ...] = ()
    pending_balance: int = 0  # points held until their release (`domain.pending`)


def member_view(member: Member, program: Program, now: datetime) -> MemberView:
    qualifying = current_qualifying_points(member.activity, program, now)
    upcoming = program.next_tier(member.tier.code)
    return MemberView(
        id=member.id,
        all_ids=member.all_ids,
        version=member.version,
        display_name=member.display_name,
        identifiers=member.identifiers,
        balance=member.balance,
        tier=program.tier(member.tier.code),
        tier_progress=TierProgress(
            qualifying_points=qualifying,
            next_tier=upcoming,
            points_to_next_tier=max(0, upcoming.threshold - qualifying) if upcoming else None,
            requalify_by=member.tier.requalify_by,
        ),
        # Newest first: the voucher just redeemed is the one the member looks for.
        rewards=tuple(sorted(member.rewards, key=lambda r: r.issued_at, reverse=True)),
        countdowns=countdowns_for(member, program, now),
        challenges=challenges_of(member, program, now),
        pending_balance=member.pending_balance,
    )
