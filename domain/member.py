"""The member aggregate: everything a command needs to decide, in one bounded document.

What grows with a member's history lives elsewhere: ledger entries, and with them the orders
(returns read them) and the requests seen (replays read them). The member keeps what its
rules need in bounded space: point batches (one per expiry day), purchases summed per day
(`domain.activity`), the returns made within the return window, and its latest requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from domain.activity import DayActivity
from domain.campaign_counts import CampaignCount
from domain.challenge_rules import ChallengeProgress
from domain.channel import Channel
from domain.identity import Identifier
from domain.ledger import PointBatch, balance_of
from domain.partners import PartnerLink
from domain.pending import PendingPoints, pending_balance
from domain.referrals import ReferralLink


@dataclass(frozen=True, slots=True)
class TierStatus:
    code: str
    reached_at: datetime
    requalify_by: datetime | None  # None for the entry tier, which is never lost
    # Short of the tier's points at its date, and kept until `requalify_by`, the end of the
    # program's grace; then it steps down unless the points came in meanwhile.
    in_grace: bool = False


@dataclass(frozen=True, slots=True)
class LineRecord:
    """A purchase line as recorded, with the points it earned."""

    sku: str
    category: str
    quantity: int
    unit_price: Decimal
    earns: bool
    points: int


@dataclass(frozen=True, slots=True)
class ActivityCount:
    """How many times an activity kind counted in its current period ("ever", a UTC day
    like 2026-12-03, a month like 2026-12); older periods are dropped."""

    kind: str
    period: str
    count: int


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """A purchase as recorded, for returns: kept with its EARNED ledger entry, never changed."""

    order_id: str
    amount: Decimal
    currency: str
    points: int
    batch_id: str | None
    earned_at: datetime
    store_id: str | None
    lines: tuple[LineRecord, ...] = ()  # none: recorded as an amount only
    points_paid: int = 0  # spent on the order as part of its payment
    paid_from: tuple[PointBatch, ...] = ()  # the batches those points came from

    def line(self, sku: str) -> LineRecord | None:
        return next((line for line in self.lines if line.sku == sku), None)


@dataclass(frozen=True, slots=True)
class ReturnedLine:
    """What returns took back from one line so far: its quantity and points."""

    sku: str
    quantity: int
    points: int


@dataclass(frozen=True, slots=True)
class ReturnedOrder:
    """What returns took back from an order so far; kept while the order can be returned."""

    order_id: str
    earned_at: datetime
    amount: Decimal
    points: int
    lines: tuple[ReturnedLine, ...] = ()  # an order recorded with lines is returned by line

    def line(self, sku: str) -> ReturnedLine:
        found = next((line for line in self.lines if line.sku == sku), None)
        return found or ReturnedLine(sku, 0, 0)


class RewardStatus(Enum):
    ACTIVE = "ACTIVE"
    USED = "USED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"  # its points and stock given back before it was used


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
    # The REDEEMED entry, which records the batches the points came from (None: issued
    # before entries recorded them).
    entry_id: str | None = None


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
    activity: tuple[DayActivity, ...] = ()
    returns: tuple[ReturnedOrder, ...] = ()
    activity_counts: tuple[ActivityCount, ...] = ()  # one per activity kind at most
    rewards: tuple[MemberReward, ...] = ()
    # The latest requests (`domain.idempotency`); older ones are found with their entries.
    idempotency: tuple[IdempotencyRecord, ...] = ()
    # When the newest request that no longer fits above was recorded: until the retention
    # passes it, a key not found above may still be a replay, looked up in the ledger.
    idempotency_spilled_at: datetime | None = None
    merged_ids: tuple[str, ...] = ()  # members absorbed into this one
    merged_into: str | None = None  # set on a duplicate once it is frozen for a merge
    # The profile rules read: a birthday (its month and day count) and the member's own
    # IANA zone (their local day: birthday week, messages' quiet hours; None: the program's).
    birthday: date | None = None
    time_zone: str | None = None
    first_purchase_at: datetime | None = None  # for campaigns on a first purchase
    campaign_counts: tuple[CampaignCount, ...] = ()  # one per campaign with member limits
    challenges: tuple[ChallengeProgress, ...] = ()  # one round per challenge at most
    # Points earned and held until the program's hold ends (`domain.pending`): not
    # spendable, not in the balance; one hold per release day.
    pending: tuple[PendingPoints, ...] = ()
    referral_code: str | None = None  # this member's own code (members enrolled before: none)
    referral: ReferralLink | None = None  # set on a friend who enrolled with a code
    # Its accounts at partners (`domain.partner_links`): one a partner, bar merges.
    partner_links: tuple[PartnerLink, ...] = ()

    @property
    def balance(self) -> int:
        return balance_of(self.batches)

    @property
    def pending_balance(self) -> int:
        return pending_balance(self.pending)

    @property
    def all_ids(self) -> tuple[str, ...]:
        """This member's id and every id merged into it: its history spans them all."""
        return (self.id, *self.merged_ids)

    def returned(self, order_id: str) -> ReturnedOrder | None:
        return next((r for r in self.returns if r.order_id == order_id), None)

    def reward_by_code(self, code: str) -> MemberReward | None:
        return next((r for r in self.rewards if r.code == code), None)
