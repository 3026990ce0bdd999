"""Tier downgrade warning: `lead_days` before the date a member short of their tier's points
would step down (`requalifyBy`, or the end of grace when the program has one), found by the
daily pass over every member. Says how many qualifying points are still needed, and by when;
cancelled once the member has them (or the tier or its date changed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.member import Member
from domain.messaging.journeys.kind import EVERY_MEMBER, JourneyKind, Reason
from domain.messaging.policy import JourneyPolicy, MessagingPolicy
from domain.program import Program
from domain.tiers import points_to_keep


@dataclass(frozen=True, slots=True)
class TierAtRisk(Reason):
    """The member holds `tier` until `requalify_by` and is short of the points to keep it:
    one warning per tier and date, however often the pass finds it."""

    tier: str
    requalify_by: datetime


class TierDowngradeWarning(JourneyKind[TierAtRisk]):
    reason = TierAtRisk
    reminds = True
    sweep = EVERY_MEMBER

    def on_sweep(
        self,
        member: Member,
        policy: MessagingPolicy,
        journey: JourneyPolicy,
        now: datetime,
        program: Program,
    ) -> tuple[tuple[TierAtRisk, datetime], ...]:
        by = member.tier.requalify_by
        if by is None or member.merged_into is not None:
            return ()
        # With a grace period the tier is lost only when grace ends: warn before that date.
        if program.tier_grace_days and not member.tier.in_grace:
            return ()
        due = by - timedelta(days=journey.lead_days or 0)
        reason = TierAtRisk(member.tier.code, by)
        if not due <= now < by or self.why_not(reason, member, now, program) is not None:
            return ()
        return ((reason, due),)

    def why_not(
        self, reason: TierAtRisk, member: Member, now: datetime, program: Program
    ) -> str | None:
        if member.tier.code != reason.tier:
            return f"tier is now {member.tier.code}"
        if member.tier.requalify_by != reason.requalify_by:
            return f"{reason.tier} is now held until {member.tier.requalify_by}"
        if now >= reason.requalify_by:
            return "the requalification date has passed"
        if not still_needed(reason, member, program):
            return f"member has the points to keep {reason.tier}"
        return None

    def deadline(self, reason: TierAtRisk, member: Member) -> datetime | None:
        return reason.requalify_by

    def values(self, reason: TierAtRisk, member: Member, program: Program) -> dict[str, Any]:
        rank = program.tier_rank(reason.tier)
        return {
            "kept": program.tier(reason.tier),
            "lower": program.tiers[rank - 1] if rank else None,
            "needed": still_needed(reason, member, program),
            "by": reason.requalify_by,
        }


def still_needed(reason: TierAtRisk, member: Member, program: Program) -> int:
    """Qualifying points still missing to keep the tier at its date (what the member's
    TIER_REQUALIFICATION / TIER_GRACE countdown says); counted through the date, as no
    purchase is dated after now."""
    return points_to_keep(member.tier, member.activity, program, reason.requalify_by) or 0


JOURNEY = TierDowngradeWarning()
