"""What operators see of the machinery: outbox items the relay had to set aside."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.ports import ParkedOutboxItem as DomainParked


@strawberry.type(
    description="A committed change whose ledger entries or event could not be relayed; "
    "it was set aside so that the member's later changes go on. Fix the cause, then replay it."
)
class ParkedOutboxItem:
    member_id: strawberry.ID
    version: int
    cause: str = strawberry.field(description="the event's cause as stored")
    error: str = strawberry.field(description="why the relay could not take it")
    parked_at: datetime
    entry_ids: list[strawberry.ID]
    points: int = strawberry.field(description="the sum of its ledger entries' points")

    @classmethod
    def of(cls, item: DomainParked) -> ParkedOutboxItem:
        return cls(
            member_id=strawberry.ID(item.member_id),
            version=item.version,
            cause=item.cause,
            error=item.error,
            parked_at=item.parked_at,
            entry_ids=[strawberry.ID(e) for e in item.entry_ids],
            points=item.points,
        )
