"""What a message is for: the journeys, the channels they use, and the intents they raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TypeAlias


class MessageChannel(Enum):
    """Where a message goes. Separate from `domain.channel.Channel`, which also names where an
    interaction happened (POS, web ...) and has no wallet pass."""

    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    WALLET = "WALLET"  # an update to the member's wallet pass (Apple/Google Wallet)


class Journey(Enum):
    WELCOME = "WELCOME"
    PURCHASE_RECEIPT = "PURCHASE_RECEIPT"
    TIER_UPGRADE = "TIER_UPGRADE"
    REWARD_EXPIRY_REMINDER = "REWARD_EXPIRY_REMINDER"
    POINTS_EXPIRY_REMINDER = "POINTS_EXPIRY_REMINDER"
    WIN_BACK = "WIN_BACK"


# The reasons an intent holds. Each names the state it depends on, so that right before
# sending the worker can check it is still true (see `reasons.why_not`).


@dataclass(frozen=True, slots=True)
class Enrolled:
    """Welcome: the member joined."""


@dataclass(frozen=True, slots=True)
class Purchased:
    """Purchase receipt: this order earned points."""

    order_id: str


@dataclass(frozen=True, slots=True)
class TierReached:
    """Tier upgrade: the member reached this tier."""

    tier: str


@dataclass(frozen=True, slots=True)
class VoucherExpiring:
    """Reward expiry reminder: this voucher (a `MemberReward` id) is about to expire."""

    member_reward_id: str


@dataclass(frozen=True, slots=True)
class PointsExpiring:
    """Points expiry reminder: this batch of points is about to expire."""

    batch_id: str


@dataclass(frozen=True, slots=True)
class AtRisk:
    """Win-back: the churn score crossed the threshold for a member inactive since this time
    (their last order, or enrolment). One win-back per inactive spell: the key is stable
    until the member orders again, however often the score is recomputed."""

    inactive_since: datetime


Reason: TypeAlias = Enrolled | Purchased | TierReached | VoucherExpiring | PointsExpiring | AtRisk

_JOURNEY_OF: dict[type[Reason], Journey] = {
    Enrolled: Journey.WELCOME,
    Purchased: Journey.PURCHASE_RECEIPT,
    TierReached: Journey.TIER_UPGRADE,
    VoucherExpiring: Journey.REWARD_EXPIRY_REMINDER,
    PointsExpiring: Journey.POINTS_EXPIRY_REMINDER,
    AtRisk: Journey.WIN_BACK,
}


def journey_of(reason: Reason) -> Journey:
    return _JOURNEY_OF[type(reason)]


def _subject(reason: Reason) -> str:
    match reason:
        case Enrolled():
            return "-"
        case Purchased(order_id):
            return order_id
        case TierReached(tier):
            return tier
        case VoucherExpiring(member_reward_id):
            return member_reward_id
        case PointsExpiring(batch_id):
            return batch_id
        case AtRisk(inactive_since):
            return inactive_since.isoformat()


@dataclass(frozen=True, slots=True)
class Intent:
    """A journey wanting to tell one member one thing, from `due_at` on."""

    member_id: str
    reason: Reason
    due_at: datetime

    @property
    def journey(self) -> Journey:
        return journey_of(self.reason)

    @property
    def key(self) -> str:
        """Stable across retries: one message per key, so a re-run job finds its message."""
        return f"{self.member_id}:{self.journey.value}:{_subject(self.reason)}"
