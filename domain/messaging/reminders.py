"""Which expiry reminders are due: a voucher or a batch of points `lead_days` before it expires.

A cron job asks this for each member; the intent's key is stable (voucher or batch id), so
asking again the next day finds the same message instead of making a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.member import Member, RewardStatus
from domain.messaging.journeys import Intent, Journey, PointsExpiring, VoucherExpiring
from domain.messaging.policy import MessagingPolicy


def reminders_due(member: Member, policy: MessagingPolicy, now: datetime) -> tuple[Intent, ...]:
    found: list[Intent] = []
    vouchers = policy.journey(Journey.REWARD_EXPIRY_REMINDER)
    if vouchers is not None and vouchers.lead_days is not None:
        lead = timedelta(days=vouchers.lead_days)
        found.extend(
            Intent(member.id, VoucherExpiring(r.id), r.expires_at - lead)
            for r in member.rewards
            if r.status is RewardStatus.ACTIVE and r.expires_at - lead <= now < r.expires_at
        )
    points = policy.journey(Journey.POINTS_EXPIRY_REMINDER)
    if points is not None and points.lead_days is not None:
        lead = timedelta(days=points.lead_days)
        found.extend(
            Intent(member.id, PointsExpiring(b.id), b.expires_at - lead)
            for b in member.batches
            if b.points > 0
            and b.expires_at is not None
            and b.expires_at - lead <= now < b.expires_at
        )
    return tuple(found)
