"""Provider feedback on a sent message (delivered, opened, clicked, bounced): it moves the
message up its delivery ladder and teaches the member's engagement estimate for the channel.

Webhooks arrive late, out of order and more than once, so feedback that says no more than
what is already known is a success that changes nothing, and each step up is taken by one
compare-and-set: of two reports racing, one moves the message and the other reads it again.
Only the writer that moved the message counts it in the engagement, so a repeat never counts
twice.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from domain.errors import InvalidInput, MemberBusy, MessageNotFound, MessageNotSent
from domain.messaging.channels import DeliveryOutcome, moves_up
from domain.messaging.journeys import MessageChannel
from domain.messaging.message import AttemptOutcome, Message, MessageStatus
from domain.validation import require_id

MAX_MESSAGE_ID = 64


class DeliveryRecords(Protocol):
    """What feedback needs of the message store (domain.messaging.message_store)."""

    async def get(self, message_id: str) -> Message | None: ...

    async def record_delivery(
        self, message_id: str, before: DeliveryOutcome | None, after: DeliveryOutcome
    ) -> bool: ...


class EngagementRecords(Protocol):
    """What feedback needs of the profile store (domain.messaging.profile_store)."""

    async def record_outcome(
        self,
        member_id: str,
        channel: MessageChannel,
        before: DeliveryOutcome | None,
        after: DeliveryOutcome,
    ) -> None: ...


# Every lost race means another report climbed a rung, and the ladder has five: more losses
# than this cannot happen unless the store misbehaves.
MAX_ATTEMPTS = 8


def reportable(outcome: DeliveryOutcome) -> DeliveryOutcome:
    if outcome is DeliveryOutcome.SENT:
        raise InvalidInput(
            "outcome", "SENT is recorded when the provider accepts it; report what came after"
        )
    return outcome


def sent_on(message: Message) -> MessageChannel:
    """The channel of the copy that went out (the attempt the provider accepted)."""
    sent = [a.channel for a in message.attempts if a.outcome is AttemptOutcome.SENT]
    channel = sent[-1] if sent else message.channel
    if channel is None:  # a SENT message always has its channel; a broken document does not
        raise MessageNotSent(f"message {message.id} has no channel it was sent on")
    return channel


async def record_feedback(
    messages: DeliveryRecords,
    profiles: EngagementRecords,
    message_id: str,
    outcome: DeliveryOutcome,
) -> Message:
    """The message with its delivery as it now stands (never lower than `outcome`'s rung
    unless `outcome` was a lesser, late report)."""
    outcome = reportable(outcome)
    message_id = require_id("messageId", message_id, MAX_MESSAGE_ID)
    for _ in range(MAX_ATTEMPTS):
        message = await messages.get(message_id)
        if message is None:
            raise MessageNotFound(f"no message {message_id}")
        if message.status is not MessageStatus.SENT:
            raise MessageNotSent(
                f"message {message_id} is {message.status.value}: no copy went out to report on"
            )
        before = message.delivery
        if not moves_up(before, outcome):
            return message
        if await messages.record_delivery(message.id, before, outcome):
            await profiles.record_outcome(message.member_id, sent_on(message), before, outcome)
            return replace(message, delivery=outcome)
    raise MemberBusy(f"feedback on message {message_id} keeps racing; retry")
