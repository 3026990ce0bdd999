"""What subscriptions push: the full member view with its version, and why it changed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.channel import Channel
from domain.events import CauseKind, MemberChanged
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
        upgrade = program.tier_rank(after.code) > program.tier_rank(before.code)
        return cls(previous=Tier.of(before), current=Tier.of(after), upgrade=upgrade)


@strawberry.type
class UpdateCause:
    kind: CauseKind
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
    kind: CauseKind
    store_id: str
    at: datetime
    member: Member
    tier_change: TierChange | None = strawberry.field(
        default=None, description="set when this change moved the tier"
    )
