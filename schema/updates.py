"""What subscriptions push: the full member view with its version, and why it changed."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from domain.channel import Channel
from domain.events import MemberChanged
from domain.ledger import EntryKind
from domain.program import Program
from schema import enums  # noqa: F401  (registers the enums)
from schema.member import Member
from schema.program import Tier


@strawberry.type(
    description="The tier moved in this change: a purchase that upgrades, a requalification "
    "that downgrades. Store screens flag it; the app celebrates an upgrade."
)
class TierChange:
    previous: Tier
    current: Tier
    upgrade: bool

    @classmethod
    def of(cls, program: Program, event: MemberChanged | None) -> TierChange | None:
        if event is None or event.previous_tier is None or event.previous_tier == event.tier:
            return None
        try:
            before, after = program.tier(event.previous_tier), program.tier(event.tier)
        except KeyError:  # a tier since removed from the program file
            return None
        upgrade = program.is_upgrade(before.code, after.code)
        return cls(previous=Tier.of(before), current=Tier.of(after), upgrade=upgrade)


SNAPSHOT = "SNAPSHOT"
# Why an update was sent: a change, named by the kind of its ledger entry (one list of
# kinds, the domain's EntryKind), or SNAPSHOT, the view as it is now (first, and after a
# resync). Made from EntryKind so the two can never disagree.
_KINDS = {SNAPSHOT: SNAPSHOT, **{k.name: k.value for k in EntryKind}}
_CAUSES: Any = Enum("CauseKind", _KINDS)  # type: ignore[misc]
CauseKind = strawberry.enum(_CAUSES)


@strawberry.type
class UpdateCause:
    kind: str = strawberry.field(graphql_type=CauseKind)
    channel: Channel | None
    store_id: str | None
    entry_id: strawberry.ID | None
    tier_change: TierChange | None = strawberry.field(
        default=None, description="set when this change moved the tier"
    )


@strawberry.type(description="A member's full view after a change; SNAPSHOT comes first.")
class MemberUpdate:
    version: int
    cause: UpdateCause
    member: Member


@strawberry.type(description="Something that happened at a store, with the member's live view.")
class StoreEvent:
    kind: str = strawberry.field(graphql_type=CauseKind)
    store_id: str
    at: datetime
    member: Member
    tier_change: TierChange | None = strawberry.field(
        default=None, description="set when this change moved the tier"
    )
