"""Is the reason for a message still true? Asked on the freshly read member right before
sending, so a customer who used a voucher in store is not then asked by email to use it."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.member import Member, RewardStatus
from domain.messaging.journeys import (
    AtRisk,
    Enrolled,
    Intent,
    PointsExpiring,
    Purchased,
    TierReached,
    VoucherExpiring,
)
from domain.messaging.policy import JourneyPolicy


def why_not(intent: Intent, member: Member, now: datetime) -> str | None:
    """None while the reason holds; otherwise what changed, in words staff can read."""
    if member.merged_into is not None:
        return f"member was merged into {member.merged_into}"
    match intent.reason:
        case Enrolled():
            return None
        case Purchased(order_id):
            order = member.order(order_id)
            if order is None:
                return f"order {order_id} is not on the member"
            if order.returned_amount >= order.amount:
                return f"order {order_id} was returned"
            return None
        case TierReached(tier):
            # Higher or lower, the member no longer holds the tier the message celebrates.
            return None if member.tier.code == tier else f"tier is now {member.tier.code}"
        case VoucherExpiring(member_reward_id):
            voucher = next((r for r in member.rewards if r.id == member_reward_id), None)
            if voucher is None:
                return f"voucher {member_reward_id} is not on the member"
            if voucher.status is RewardStatus.USED:
                where = f" in {voucher.used_store_id}" if voucher.used_store_id else ""
                return f"voucher {voucher.code} was used{where}"
            if voucher.status is RewardStatus.EXPIRED or voucher.expires_at <= now:
                return f"voucher {voucher.code} has expired"
            return None
        case PointsExpiring(batch_id):
            # Spending takes the soonest-expiring points first, so spent points leave the
            # batch; a partly spent batch still holds (the message shows what is left).
            batch = next((b for b in member.batches if b.id == batch_id), None)
            if batch is None or batch.points <= 0:
                return f"points of batch {batch_id} were spent or have expired"
            if batch.expires_at is not None and batch.expires_at <= now:
                return f"points of batch {batch_id} have expired"
            return None
        case AtRisk(inactive_since):
            if any(o.earned_at > inactive_since for o in member.orders):
                return "member has ordered since"
            return None


def reason_still_holds(intent: Intent, member: Member, now: datetime) -> bool:
    return why_not(intent, member, now) is None


def send_by(intent: Intent, member: Member, journey: JourneyPolicy) -> datetime | None:
    """The last moment the message is worth sending: the journey's tolerated delay, and for
    a reminder the deadline it reminds of. None: no limit."""
    limits: list[datetime] = []
    if journey.max_delay_hours is not None:
        limits.append(intent.due_at + timedelta(hours=journey.max_delay_hours))
    match intent.reason:
        case VoucherExpiring(member_reward_id):
            voucher = next((r for r in member.rewards if r.id == member_reward_id), None)
            if voucher is not None:
                limits.append(voucher.expires_at)
        case PointsExpiring(batch_id):
            batch = next((b for b in member.batches if b.id == batch_id), None)
            if batch is not None and batch.expires_at is not None:
                limits.append(batch.expires_at)
        case _:
            pass
    return min(limits, default=None)
