"""Reward expiry reminder: `lead_days` before a voucher expires (the hourly reminder sweep).
Says the voucher code and its expiry date; cancelled the moment the voucher is used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.member import Member, MemberReward, RewardStatus
from domain.messaging.journeys.kind import EXPIRING_SOON, JourneyKind, Reason
from domain.messaging.policy import JourneyPolicy, MessagingPolicy
from domain.program import Program


@dataclass(frozen=True, slots=True)
class VoucherExpiring(Reason):
    """This voucher (a `MemberReward` id) is about to expire."""

    member_reward_id: str


class RewardExpiryReminder(JourneyKind[VoucherExpiring]):
    reason = VoucherExpiring
    reminds = True
    sweep = EXPIRING_SOON

    def on_sweep(
        self,
        member: Member,
        policy: MessagingPolicy,
        journey: JourneyPolicy,
        now: datetime,
        program: Program,
    ) -> tuple[tuple[VoucherExpiring, datetime], ...]:
        lead = timedelta(days=journey.lead_days or 0)
        return tuple(
            (VoucherExpiring(r.id), r.expires_at - lead)
            for r in member.rewards
            if r.status is RewardStatus.ACTIVE and r.expires_at - lead <= now < r.expires_at
        )

    def why_not(
        self, reason: VoucherExpiring, member: Member, now: datetime, program: Program
    ) -> str | None:
        voucher = _voucher(member, reason)
        if voucher is None:
            return f"voucher {reason.member_reward_id} is not on the member"
        if voucher.status is RewardStatus.USED:
            where = f" in {voucher.used_store_id}" if voucher.used_store_id else ""
            return f"voucher {voucher.code} was used{where}"
        if voucher.status is RewardStatus.EXPIRED or voucher.expires_at <= now:
            return f"voucher {voucher.code} has expired"
        return None

    def deadline(self, reason: VoucherExpiring, member: Member) -> datetime | None:
        voucher = _voucher(member, reason)
        return None if voucher is None else voucher.expires_at

    def values(self, reason: VoucherExpiring, member: Member, program: Program) -> dict[str, Any]:
        voucher = _voucher(member, reason)
        assert voucher is not None  # checked by why_not before rendering
        return {"voucher": voucher, "reward": program.reward(voucher.reward_id)}


def _voucher(member: Member, reason: VoucherExpiring) -> MemberReward | None:
    return next((r for r in member.rewards if r.id == reason.member_reward_id), None)


JOURNEY = RewardExpiryReminder()
