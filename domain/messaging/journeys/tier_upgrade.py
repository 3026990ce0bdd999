"""Tier upgrade: the member reached a higher tier (not a downgrade, not a mere extension).
Says the new tier, its multiplier and until when it is held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.member import Member
from domain.messaging.journeys.kind import ChangeSeen, JourneyKind, Reason
from domain.messaging.policy import MessagingPolicy
from domain.program import Program


@dataclass(frozen=True, slots=True)
class TierReached(Reason):
    """The member reached this tier."""

    tier: str


class TierUpgrade(JourneyKind[TierReached]):
    reason = TierReached

    def on_change(
        self, seen: ChangeSeen, policy: MessagingPolicy, now: datetime
    ) -> tuple[TierReached, ...]:
        previous = seen.previous_tier
        if previous is not None and seen.program.is_upgrade(previous, seen.tier):
            return (TierReached(seen.tier),)
        return ()

    def why_not(
        self, reason: TierReached, member: Member, now: datetime, program: Program
    ) -> str | None:
        # Higher or lower, the member no longer holds the tier the message celebrates.
        return None if member.tier.code == reason.tier else f"tier is now {member.tier.code}"

    def values(self, reason: TierReached, member: Member, program: Program) -> dict[str, Any]:
        return {"reached": program.tier(reason.tier)}


JOURNEY = TierUpgrade()
