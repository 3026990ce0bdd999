"""Is the reason for a message still true? Asked on the freshly read member right before
sending, so a customer who used a voucher in store is not then asked by email to use it.
Each journey says what its reason depends on (`journeys.kind.JourneyKind.why_not`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.member import Member
from domain.messaging.journeys import Intent
from domain.messaging.policy import JourneyPolicy
from domain.program import Program


def why_not(intent: Intent, member: Member, now: datetime, program: Program) -> str | None:
    """None while the reason holds; otherwise what changed, in words staff can read."""
    if member.merged_into is not None:
        return f"member was merged into {member.merged_into}"
    return intent.journey.kind.why_not(intent.reason, member, now, program)


def send_by(intent: Intent, member: Member, journey: JourneyPolicy) -> datetime | None:
    """The last moment the message is worth sending: the journey's tolerated delay, and for
    a reminder the deadline it reminds of. None: no limit."""
    limits: list[datetime] = []
    if journey.max_delay_hours is not None:
        limits.append(intent.due_at + timedelta(hours=journey.max_delay_hours))
    deadline = intent.journey.kind.deadline(intent.reason, member)
    if deadline is not None:
        limits.append(deadline)
    return min(limits, default=None)
