"""What a committed change tells the rest of the system: one event per member version."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.channel import Channel
from domain.idempotency import spilled_by
from domain.identity import IdentifierKind
from domain.ledger import EntryKind, LedgerEntry, PointBatch
from domain.member import IdempotencyRecord, Member, OrderRecord
from domain.program_stats import StatsDelta, stats_delta


@dataclass(frozen=True, slots=True)
class Change:
    """A command's decision: the next member state (version not yet bumped) and its entries."""

    member: Member
    entries: tuple[LedgerEntry, ...]
    cause: EntryKind  # what happened: the kind of its main ledger entry
    channel: Channel | None = None
    store_id: str | None = None
    entry_id: str | None = None
    previous_tier: str | None = None  # set when the tier changed
    member_reward_id: str | None = None  # the voucher a redemption issued or a use consumed
    order_id: str | None = None  # the order a purchase or a return is about
    # What identifiers the member gained (a link, a merge): new addresses to write to.
    linked: tuple[IdentifierKind, ...] = ()
    # A purchase's order, kept with its EARNED entry in the ledger (for returns).
    order: OrderRecord | None = None
    # What a redemption took from each batch, kept with its REDEEMED entry (for a cancel).
    paid_from: tuple[PointBatch, ...] = ()
    # Requests that no longer fit on the member for another reason than the ones it
    # remembered itself (a merge: the duplicate's); see `Commit.spilled`.
    spilled: tuple[IdempotencyRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class MemberChanged:
    member_id: str
    version: int
    cause: EntryKind
    channel: Channel | None
    store_id: str | None
    entry_id: str | None
    tier: str
    previous_tier: str | None
    merged_ids: tuple[str, ...] = ()
    merged_into: str | None = None
    # Carried so that what reacts to the event need not read the ledger entry again.
    order_id: str | None = None
    linked: tuple[IdentifierKind, ...] = ()
    # What the version changes in the program's counters (`domain.program_stats`).
    stats: StatsDelta | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    """What storage writes atomically: the new member and, in its outbox, entries and event."""

    member: Member
    expected_version: int
    entries: tuple[LedgerEntry, ...]
    event: MemberChanged
    previous: Member  # as read: storage writes only what changed
    order: OrderRecord | None = None
    paid_from: tuple[PointBatch, ...] = ()  # with the entry `event.entry_id` (a redemption)
    member_reward_id: str | None = None  # the voucher that entry issued
    # The requests still within their retention that no longer fit on the member: kept
    # elsewhere, to be found for a replay (`domain.idempotency`).
    spilled: tuple[IdempotencyRecord, ...] = ()


def commit_of(previous: Member, change: Change) -> Commit:
    member = replace(change.member, version=previous.version + 1)
    event = MemberChanged(
        member_id=member.id,
        version=member.version,
        cause=change.cause,
        channel=change.channel,
        store_id=change.store_id,
        entry_id=change.entry_id,
        tier=member.tier.code,
        previous_tier=change.previous_tier,
        merged_ids=member.merged_ids,
        merged_into=member.merged_into,
        order_id=change.order_id,
        linked=change.linked,
        stats=stats_delta(previous, member, change.entries, change.order, _returned(change)),
    )
    spilled = (*change.spilled, *spilled_by(previous.idempotency, member))
    return Commit(
        member,
        previous.version,
        change.entries,
        event,
        previous,
        order=change.order,
        paid_from=change.paid_from,
        member_reward_id=change.member_reward_id,
        spilled=spilled,
    )


def _returned(change: Change) -> str | None:
    return change.order_id if change.cause is EntryKind.RETURNED else None
