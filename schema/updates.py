"""What subscriptions push: the full member view with its version, and why it changed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.channel import Channel
from domain.events import CauseKind
from schema import enums  # noqa: F401  (registers the enums)
from schema.member import Member


@strawberry.type
class UpdateCause:
    kind: CauseKind
    channel: Channel | None
    store_id: str | None
    entry_id: strawberry.ID | None


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
