"""What a committed change tells the rest of the system: one event per member version."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.channel import Channel
from domain.identity import IdentifierKind
from domain.ledger import EntryKind, LedgerEntry
from domain.member import IdempotencyRecord, Member, OrderRecord


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
    # Kept with the main entry (`entry_id`) in the ledger: the request, for replays once
    # the member no longer holds it, and a purchase's order, for returns.
    request: IdempotencyRecord | None = None
    order: OrderRecord | None = None


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


@dataclass(frozen=True, slots=True)
class Commit:
    """What storage writes atomically: the new member and, in its outbox, entries and event."""

    member: Member
    expected_version: int
    entries: tuple[LedgerEntry, ...]
    event: MemberChanged
    previous: Member  # as read: storage writes only what changed
    request: IdempotencyRecord | None = None
    order: OrderRecord | None = None


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
    )
    return Commit(
        member, previous.version, change.entries, event, previous, change.request, change.order
    )
