from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.feedback import record_feedback
from resolvers.context import Info
from schema.errors import payload
from schema.messages import Message


@strawberry.input
class RecordMessageFeedbackInput:
    message_id: strawberry.ID
    outcome: DeliveryOutcome = strawberry.field(
        description="DELIVERED, OPENED, CLICKED, BOUNCED or FAILED"
    )


@strawberry.type
class FeedbackRecorded:
    # Not `message`: that would clash with `Error.message: String!` in a client's selection
    # of this union, which GraphQL validation refuses.
    sent_message: Message = strawberry.field(description="the message as it now stands")


RecordMessageFeedbackPayload = payload(
    "RecordMessageFeedbackPayload",
    FeedbackRecorded,
    failures.MessageNotFound,
    failures.MessageNotSent,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: RecordMessageFeedbackInput) -> FeedbackRecorded:
    ctx = info.context
    ctx.require(Action.RECORD_FEEDBACK)
    m = ctx.messaging
    result = await record_feedback(m.messages, m.profiles, str(input.message_id), input.outcome)
    return FeedbackRecorded(sent_message=Message.of(result))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=RecordMessageFeedbackPayload,
    description="A provider's report on a sent message; repeats and late reports are harmless.",
)
