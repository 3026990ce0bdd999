"""Provider feedback, with in-memory stores: the ladder, idempotence, and the lost race."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.errors import InvalidInput, MessageNotFound, MessageNotSent
from domain.messaging.channels import ChannelEngagement, DeliveryOutcome, record_outcome
from domain.messaging.feedback import record_feedback
from domain.messaging.journeys import Intent, MessageChannel, Purchased
from domain.messaging.message import Message, Rendered, mark_sent, new_message, start_sending

T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
EMAIL, PUSH = MessageChannel.EMAIL, MessageChannel.PUSH
SENT, DELIVERED, OPENED, CLICKED = (
    DeliveryOutcome.SENT,
    DeliveryOutcome.DELIVERED,
    DeliveryOutcome.OPENED,
    DeliveryOutcome.CLICKED,
)


class Messages:
    """A message store with only what feedback uses; `interfere` runs just before a
    compare-and-set, as a concurrent report would."""

    def __init__(self, *messages: Message) -> None:
        self.by_id = {m.id: m for m in messages}
        self.interfere: list[DeliveryOutcome] = []

    async def get(self, message_id: str) -> Message | None:
        return self.by_id.get(message_id)

    async def record_delivery(
        self, message_id: str, before: DeliveryOutcome | None, after: DeliveryOutcome
    ) -> bool:
        current = self.by_id[message_id]
        if self.interfere:
            current = replace(current, delivery=self.interfere.pop(0))
            self.by_id[message_id] = current
        if current.delivery is not before:
            return False
        self.by_id[message_id] = replace(current, delivery=after)
        return True


class Profiles:
    def __init__(self) -> None:
        self.engagement: dict[tuple[str, MessageChannel], ChannelEngagement] = {}

    async def record_outcome(
        self,
        member_id: str,
        channel: MessageChannel,
        before: DeliveryOutcome | None,
        after: DeliveryOutcome,
    ) -> None:
        key = (member_id, channel)
        current = self.engagement.get(key, ChannelEngagement(channel))
        self.engagement[key] = record_outcome(current, before, after)

    def on(self, channel: MessageChannel) -> tuple[int, int]:
        found = self.engagement.get(("m-1", channel), ChannelEngagement(channel))
        return found.engaged, found.ignored


def pending(order_id: str = "o1") -> Message:
    return new_message(Intent("m-1", Purchased(order_id), T0), T0, EMAIL, (PUSH,))


def sent_by_push() -> Message:
    """Planned for email, sent by push (a fresh decision): push carried the copy."""
    message = start_sending(pending(), PUSH, Rendered("s", "b"), 1, T0)
    return mark_sent(message, "ref-1", T0)


async def test_each_step_up_is_recorded_once_on_the_channel_that_carried_it() -> None:
    message = sent_by_push()
    messages, profiles = Messages(message), Profiles()

    await record_feedback(messages, profiles, message.id, DELIVERED)
    opened = await record_feedback(messages, profiles, message.id, OPENED)
    again = await record_feedback(messages, profiles, message.id, OPENED)
    late = await record_feedback(messages, profiles, message.id, DELIVERED)

    assert (opened.delivery, again.delivery, late.delivery) == (OPENED, OPENED, OPENED)
    assert profiles.on(PUSH) == (1, 0)
    assert profiles.on(EMAIL) == (0, 0)


async def test_a_lost_race_reads_again_and_counts_from_where_the_winner_left() -> None:
    # given a sent message, and a delivery report landing just before our open
    message = sent_by_push()
    messages, profiles = Messages(message), Profiles()
    await profiles.record_outcome("m-1", PUSH, SENT, DELIVERED)  # the winner's count
    messages.interfere = [DELIVERED]
    # when the open is recorded
    result = await record_feedback(messages, profiles, message.id, OPENED)
    # then it moved from delivered (not from sent), so ignored goes back to zero
    assert result.delivery is OPENED
    assert profiles.on(PUSH) == (1, 0)


async def test_a_race_lost_to_a_higher_report_is_a_no_op() -> None:
    message = sent_by_push()
    messages, profiles = Messages(message), Profiles()
    messages.interfere = [CLICKED]

    result = await record_feedback(messages, profiles, message.id, OPENED)

    assert result.delivery is CLICKED
    assert profiles.on(PUSH) == (0, 0)  # the click's own writer counts it


async def test_what_cannot_be_reported() -> None:
    unsent = pending("o2")  # another order's receipt, still waiting
    messages, profiles = Messages(unsent, sent_by_push()), Profiles()

    with pytest.raises(MessageNotFound):
        await record_feedback(messages, profiles, "msg_missing", OPENED)
    with pytest.raises(MessageNotSent):
        await record_feedback(messages, profiles, unsent.id, OPENED)
    with pytest.raises(InvalidInput) as sent:
        await record_feedback(messages, profiles, sent_by_push().id, SENT)
    assert sent.value.field == "outcome"
    assert profiles.engagement == {}
