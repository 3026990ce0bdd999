"""The messaging profile store on the embedded MongoDB: engagement is counted whether or not
the member's profile exists yet, and whatever wrote it first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mongomock_motor import AsyncMongoMockClient

from domain.messaging.channels import DeliveryOutcome
from domain.messaging.journeys import MessageChannel
from storage.mongo import collections_of
from storage.profiles import MongoProfileStore

EMAIL = MessageChannel.EMAIL
T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def store() -> MongoProfileStore:
    client: Any = AsyncMongoMockClient(tz_aware=True)
    return MongoProfileStore(collections_of(client["profiles_test"], embedded=True).profiles)


async def test_a_bounce_for_a_member_with_no_profile_yet_is_counted() -> None:
    profiles = store()
    await profiles.record_outcome("m-1", EMAIL, None, DeliveryOutcome.BOUNCED)
    await profiles.record_outcome("m-1", EMAIL, None, DeliveryOutcome.BOUNCED)
    found = (await profiles.get("m-1")).engagement
    assert [(e.channel, e.failures_in_a_row) for e in found] == [(EMAIL, 2)]


async def test_feedback_after_a_recorded_send_is_counted() -> None:
    # given a profile that only the send counter has written so far
    profiles = store()
    await profiles.record_send("m-1", "msg-1", EMAIL, T0)
    # when the provider reports the email opened
    await profiles.record_outcome("m-1", EMAIL, None, DeliveryOutcome.OPENED)
    # then the open counts, and the send is still counted once
    record = await profiles.get("m-1")
    assert [(e.channel, e.engaged) for e in record.engagement] == [(EMAIL, 1)]
    assert len(record.recent) == 1
