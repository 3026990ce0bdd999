"""Messages as staff see them: what a journey wanted to say, on which channel, what the
provider made of it, and, for one held back, why."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.messaging import message as domain
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.decide import DeferReason, SuppressReason
from domain.messaging.journeys import Journey, MessageChannel
from domain.messaging.message import AttemptOutcome, MessageStatus
from domain.messaging.message_store import MessagePage
from schema import enums  # noqa: F401  (registers the enums)
from schema.member import PageInfo


@strawberry.type
class MessageAttempt:
    channel: MessageChannel
    started_at: datetime
    ended_at: datetime | None
    outcome: AttemptOutcome | None = strawberry.field(description="null while in flight")
    detail: str = strawberry.field(description="what the provider answered")

    @classmethod
    def of(cls, attempt: domain.Attempt) -> MessageAttempt:
        return cls(
            channel=attempt.channel,
            started_at=attempt.started_at,
            ended_at=attempt.ended_at,
            outcome=attempt.outcome,
            detail=attempt.detail,
        )


@strawberry.type(description="One message to a member, from its journey to provider feedback")
class Message:
    id: strawberry.ID
    member_id: strawberry.ID
    journey: Journey
    channel: MessageChannel | None = strawberry.field(
        description="the channel it went on, or the next one to try"
    )
    status: MessageStatus
    subject: str | None = strawberry.field(description="as rendered; null until rendered")
    body: str | None = strawberry.field(description="as rendered; null until rendered")
    rendered_version: int | None = strawberry.field(
        description="the member version the numbers in it were rendered at"
    )
    created_at: datetime
    updated_at: datetime
    not_before: datetime = strawberry.field(description="not sent before (deferrals move it)")
    sent_at: datetime | None
    suppressed_reason: SuppressReason | None
    deferred_reason: DeferReason | None = strawberry.field(
        description="why a PENDING message waits until notBefore (quiet hours, a cap ...)"
    )
    decision: str | None = strawberry.field(
        description="the last decision in words: why it waits, or why this channel"
    )
    detail: str | None = strawberry.field(
        description="why it was suppressed; otherwise what the provider said last"
    )
    delivery: DeliveryOutcome | None = strawberry.field(
        description="the furthest the sent copy got, as provider feedback reports it"
    )
    provider_ref: str | None = strawberry.field(description="the provider's id for the copy")
    attempts: list[MessageAttempt]

    @classmethod
    def of(cls, message: domain.Message) -> Message:
        rendered = message.rendered
        sent = [a for a in message.attempts if a.outcome is AttemptOutcome.SENT]
        last = message.attempts[-1] if message.attempts else None
        detail = message.suppressed_detail or (last.detail if last and last.detail else None)
        return cls(
            id=strawberry.ID(message.id),
            member_id=strawberry.ID(message.member_id),
            journey=message.journey,
            channel=message.channel,
            status=message.status,
            subject=rendered.subject if rendered else None,
            body=rendered.body if rendered else None,
            rendered_version=message.rendered_version,
            created_at=message.created_at,
            updated_at=message.updated_at,
            not_before=message.not_before,
            sent_at=sent[-1].ended_at if sent else None,
            suppressed_reason=message.suppressed_reason,
            deferred_reason=message.deferred_reason,
            decision=message.decision,
            detail=detail,
            delivery=message.delivery,
            provider_ref=message.provider_ref,
            attempts=[MessageAttempt.of(a) for a in message.attempts],
        )


@strawberry.type
class MessageEdge:
    cursor: str
    node: Message


@strawberry.type
class MessageConnection:
    edges: list[MessageEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: MessagePage) -> MessageConnection:
        edges = [MessageEdge(cursor=c, node=Message.of(m)) for c, m in page.messages]
        return cls(
            edges=edges, page_info=PageInfo.of([e.cursor for e in edges], page.has_next_page)
        )
