"""What the handlers need from the outside world, as Protocols; storage/ provides them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.campaign_budget import CampaignBudgets
from domain.clock import Clock
from domain.events import Commit, MemberChanged
from domain.ledger import LedgerEntry, NewId, PointBatch
from domain.member import IdempotencyRecord, Member, OrderRecord
from domain.partner_store import PartnerStore
from domain.program import Program, Reward
from domain.program_stats import ProgramStatsStore
from domain.sweeps import Position


class MemberStore(Protocol):
    async def get(self, member_id: str) -> Member | None: ...

    async def create(self, commit: Commit) -> None: ...

    async def save(self, commit: Commit) -> bool:
        """Write if the stored version is still `commit.expected_version` (compare-and-swap)."""
        ...


@dataclass(frozen=True, slots=True)
class Claim:
    owner: str  # the member holding the key afterwards
    request: str | None  # the idempotency key of the request that claimed it, if given
    fresh: bool  # claimed just now, by this call


class KeyRegistry(Protocol):
    """Keys that must be unique across members: identifiers, voucher codes, order ids."""

    async def owner_of(self, key: str) -> str | None: ...

    async def claim(self, key: str, member_id: str) -> str:
        """Claim `key` for `member_id`; returns the owner afterwards (someone else if taken)."""
        ...

    async def claim_for(self, key: str, member_id: str, request: str) -> Claim:
        """Claim `key` for one request of `member_id`: only that request may use it (a claim
        made before this existed has no request)."""
        ...

    async def take_over(
        self, key: str, stale_owner: str, member_id: str, claimed_before: datetime
    ) -> bool:
        """Move a claim whose member was never written, if it was made before the cutoff."""
        ...

    async def release(self, key: str, member_id: str) -> None: ...

    async def repoint(self, from_ids: Sequence[str], to_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: tuple[tuple[str, LedgerEntry], ...]  # (cursor, entry), newest first
    has_next_page: bool


class Ledger(Protocol):
    async def entry(self, entry_id: str) -> LedgerEntry | None: ...

    async def history(
        self, member_ids: Sequence[str], first: int, after: str | None
    ) -> HistoryPage: ...


class Recorded(Protocol):
    """What commands recorded outside the member: found once relayed, or while still in
    the outbox of one of `member_ids`."""

    async def request(self, member_ids: Sequence[str], key: str) -> IdempotencyRecord | None:
        """The request spilled under idempotency key `key` (possibly one past its retention,
        whose key may be used again)."""
        ...

    async def forget_requests(self, recorded_before: datetime) -> int:
        """Drop the spilled requests recorded before then; how many went."""
        ...

    async def order(self, order_id: str, member_ids: Sequence[str]) -> OrderRecord | None:
        """The purchase recorded with order id `order_id`."""
        ...

    async def order_entry(self, entry_id: str) -> OrderRecord | None:
        """The order a purchase's EARNED entry recorded, once relayed to the ledger."""
        ...

    async def paid_from(
        self, entry_id: str, member_ids: Sequence[str]
    ) -> tuple[PointBatch, ...] | None:
        """What the redemption with REDEEMED entry `entry_id` took from each batch (None:
        not recorded, as by versions before redemptions kept it)."""
        ...

    async def redeemed_by(self, member_reward_id: str) -> str | None:
        """The member a voucher was issued to, by the voucher's id, once relayed."""
        ...


class RewardStock(Protocol):
    async def reserve(self, reward: Reward, member_reward_id: str) -> bool: ...

    async def release(self, reward: Reward, member_reward_id: str) -> None: ...

    async def available(self, rewards: Sequence[Reward]) -> dict[str, int | None]: ...


@dataclass(frozen=True, slots=True)
class ParkedOutboxItem:
    """A committed change the relay could not store or publish, set aside for an operator."""

    member_id: str
    version: int
    cause: str
    error: str
    parked_at: datetime
    entry_ids: tuple[str, ...]
    points: int


class Outbox(Protocol):
    async def deliver(self, commit: Commit) -> None:
        """Store the commit's ledger entries, publish its event, clear it from the outbox.

        Never raises: the commit is already durable, so a failure here must not become an
        error response that a client would retry; the sweep finishes the work.
        """
        ...

    async def deliver_pending(self, member_id: str) -> None:
        """Relay what the member's outbox holds now; never raises, as `deliver`."""
        ...

    async def pending_entry(self, member_id: str, entry_id: str) -> LedgerEntry | None:
        """A committed entry still waiting in the member's outbox (not yet in the ledger)."""
        ...

    async def parked(self, first: int) -> tuple[ParkedOutboxItem, ...]:
        """Items set aside, newest first."""
        ...


class PublisherUnavailable(Exception):
    """The publisher's transport is down (Redis, say): the event is kept and sent again.

    Anything else a publisher raises means the event itself cannot be sent, and the relay
    sets it aside rather than let it block the events behind it.
    """


class EventPublisher(Protocol):
    async def publish(self, event: MemberChanged) -> None:
        """Raises PublisherUnavailable when the event should be tried again later."""
        ...


@dataclass(frozen=True)
class Ports:
    members: MemberStore
    keys: KeyRegistry
    ledger: Ledger
    recorded: Recorded
    stock: RewardStock
    outbox: Outbox
    program: Program
    clock: Clock
    new_id: NewId
    budgets: CampaignBudgets  # campaigns' budgets of points, shared by all members
    partners: PartnerStore  # partners' monthly budgets and members' link codes
    program_stats: ProgramStatsStore | None = None  # the dashboard's counters


class MemberScan(Protocol):
    """Finding live members (not merged away) for the scheduled jobs, a page at a time after
    a position (None: from the start), in the order each method names."""

    async def housekeeping_due(
        self, now: datetime, after: Position | None, limit: int
    ) -> tuple[Position, ...]:
        """Members with points or vouchers expired, or a tier due for requalification, by the
        date that became due (`Position.at`), then id."""
        ...

    async def expiring_before(
        self, until: datetime, after: Position | None, limit: int
    ) -> tuple[Position, ...]:
        """Members with points or an active voucher expiring before `until`, by the first
        expiry date (`Position.at`), then id."""
        ...

    async def live_after(self, after: Position | None, limit: int) -> tuple[Position, ...]:
        """Every live member in id order."""
        ...
