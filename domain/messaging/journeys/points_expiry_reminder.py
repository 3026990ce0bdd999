"""Points expiry reminder: `lead_days` before a batch of points expires (the hourly reminder
sweep). Says how many points, and when; a batch spent in the meantime cancels it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.ledger import PointBatch
from domain.member import Member
from domain.messaging.journeys.kind import EXPIRING_SOON, JourneyKind, Reason
from domain.messaging.policy import JourneyPolicy, MessagingPolicy
from domain.program import Program


@dataclass(frozen=True, slots=True)
class PointsExpiring(Reason):
    """This batch of points is about to expire."""

    batch_id: str


class PointsExpiryReminder(JourneyKind[PointsExpiring]):
    reason = PointsExpiring
    reminds = True
    sweep = EXPIRING_SOON

    def on_sweep(
        self,
        member: Member,
        policy: MessagingPolicy,
        journey: JourneyPolicy,
        now: datetime,
        program: Program,
    ) -> tuple[tuple[PointsExpiring, datetime], ...]:
        lead = timedelta(days=journey.lead_days or 0)
        return tuple(
            (PointsExpiring(b.id), b.expires_at - lead)
            for b in member.batches
            if b.points > 0
            and b.expires_at is not None
            and b.expires_at - lead <= now < b.expires_at
        )

    def why_not(
        self, reason: PointsExpiring, member: Member, now: datetime, program: Program
    ) -> str | None:
        # Spending takes the soonest-expiring points first, so spent points leave the batch;
        # a partly spent batch still holds (the message shows what is left).
        batch = _batch(member, reason)
        if batch is None and (later := _later_deadline(member, reason, now)) is not None:
            # Under the inactivity policy an activity moves every point to a new deadline
            # (a new batch): the reminder for the old one would name a date now wrong.
            return f"points of batch {reason.batch_id} now expire later, at {later.isoformat()}"
        if batch is None or batch.points <= 0:
            return f"points of batch {reason.batch_id} were spent or have expired"
        if batch.expires_at is not None and batch.expires_at <= now:
            return f"points of batch {reason.batch_id} have expired"
        return None

    def deadline(self, reason: PointsExpiring, member: Member) -> datetime | None:
        batch = _batch(member, reason)
        return None if batch is None else batch.expires_at

    def values(self, reason: PointsExpiring, member: Member, program: Program) -> dict[str, Any]:
        return {"batch": _batch(member, reason)}


def _batch(member: Member, reason: PointsExpiring) -> PointBatch | None:
    return next((b for b in member.batches if b.id == reason.batch_id), None)


def _later_deadline(member: Member, reason: PointsExpiring, now: datetime) -> datetime | None:
    """The soonest deadline of open points, when a batch of a later day than the reminder's
    holds them: batch ids sort by their day (`bat-YYYYMMDD`)."""
    later = [
        b.expires_at
        for b in member.batches
        if b.points > 0
        and b.expires_at is not None
        and b.expires_at > now
        and b.id.startswith("bat-")
        and b.id > reason.batch_id
    ]
    return min(later, default=None)


JOURNEY = PointsExpiryReminder()
