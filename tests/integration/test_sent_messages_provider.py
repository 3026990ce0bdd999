"""The sent-messages provider (the embedded default) on mongomock-motor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mongomock_motor import AsyncMongoMockClient

from domain.clock import SettableClock
from domain.messaging.journeys import MessageChannel
from storage.sent_messages import MongoSentMessages
from tests.conftest import START
from workers.providers.base import OutgoingMessage
from workers.providers.sent_messages import SentMessagesProvider


def a_collection() -> Any:
    return AsyncMongoMockClient(tz_aware=True)["tessera_test"]["sent_messages"]


def an_sms(message_id: str = "msg-0007", body: str = "You have 300 points.") -> OutgoingMessage:
    return OutgoingMessage(
        message_id=message_id,
        channel=MessageChannel.SMS,
        to="+14155550100",
        subject=None,
        body=body,
        member_id="m-ada",
        member_version=3,
    )


async def test_a_message_is_stored_as_it_would_have_been_sent() -> None:
    collection = a_collection()
    delivery = await SentMessagesProvider(MongoSentMessages(collection), SettableClock(START)).send(
        an_sms()
    )
    assert delivery.accepted and delivery.provider_ref == "msg-0007"
    assert delivery.detail == "stored"
    stored = await collection.find_one({"_id": "msg-0007"})
    assert stored == {
        "_id": "msg-0007",
        "channel": "SMS",
        "to": "+14155550100",
        "subject": None,
        "body": "You have 300 points.",
        "member_id": "m-ada",
        "member_version": 3,
        "stored_at": START,
        "last_attempt_at": START,
        "attempts": 1,
    }


async def test_the_same_message_twice_is_stored_once() -> None:
    # given a message already stored
    collection = a_collection()
    clock = SettableClock(START)
    outbox = SentMessagesProvider(MongoSentMessages(collection), clock)
    await outbox.send(an_sms())
    # when a retried job sends it again, even re-rendered
    clock.advance(timedelta(minutes=1))
    delivery = await outbox.send(an_sms(body="You have 301 points."))
    # then there is still one document, as first stored, and the repeat was counted
    assert delivery.accepted and delivery.detail == "already stored"
    assert await collection.count_documents({}) == 1
    stored = await collection.find_one({"_id": "msg-0007"})
    assert stored["body"] == "You have 300 points."
    assert stored["stored_at"] == START
    assert stored["attempts"] == 2


async def test_different_messages_are_stored_apart() -> None:
    collection = a_collection()
    outbox = SentMessagesProvider(MongoSentMessages(collection), SettableClock(START))
    await outbox.send(an_sms("msg-1"))
    await outbox.send(an_sms("msg-2"))
    assert await collection.count_documents({}) == 2
