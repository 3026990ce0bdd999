"""The member aggregate: everything a command needs to decide, in one document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from domain.channel import Channel
from domain.identity import Identifier
from domain.ledger import PointBatch, balance_of


@dataclass(frozen=True, slots=True)
class TierStatus:
    code: str
    reached_at: datetime
    requalify_by: datetime | None  # None for the entry tier, which is never lost


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A purchase kept for returns and for qualifying points."""

    order_id: str
    amount: Decimal
    currency: str
    points: int
    batch_id: str | None
    earned_at: datetime
    store_id: str | None
    returned_amount: Decimal = Decimal(0)
    returned_points: int = 0

    @property
    def qualifying_points(self) -> int:
        return self.points - self.returned_points


class RewardStatus(Enum):
    ACTIVE = "ACTIVE"
    USED = "USED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class MemberReward:
    """A voucher issued by a redemption; used once at the POS."""

    id: str
    code: str
    reward_id: str
    cost: int
    status: RewardStatus
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_store_id: str | None = None


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    key: str
    fingerprint: str
    entry_id: str
    recorded_at: datetime
    member_reward_id: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    version: int
    display_name: str | None
    identifiers: tuple[Identifier, ...]
    enrolled_at: datetime
    enrolled_channel: Channel
    tier: TierStatus
    batches: tuple[PointBatch, ...] = ()
    orders: tuple[OrderRecord, ...] = ()
    rewards: tuple[MemberReward, ...] = ()
    idempotency: tuple[IdempotencyRecord, ...] = ()
    merged_ids: tuple[str, ...] = ()  # members absorbed into this one
    merged_into: str | None = None  # set on a duplicate once it is frozen for a merge

    @property
    def balance(self) -> int:
        return balance_of(self.batches)

    @property
    def all_ids(self) -> tuple[str, ...]:
        """This member's id and every id merged into it: its history spans them all."""
        return (self.id, *self.merged_ids)

    def order(self, order_id: str) -> OrderRecord | None:
        return next((o for o in self.orders if o.order_id == order_id), None)

    def reward_by_code(self, code: str) -> MemberReward | None:
        return next((r for r in self.rewards if r.code == code), None)
