"""The message store on the embedded MongoDB, with calls that yield as a real database does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient

from domain.messaging.decide import DeferReason
from domain.messaging.journeys import AtRisk, Intent, MessageChannel, Purchased, VoucherExpiring
from domain.messaging.message import (
    MessageStatus,
    Rendered,
    defer,
    mark_failed_attempt,
    mark_sent,
    new_message,
    start_sending,
)
from storage import embedded_index
from storage.messages import MongoMessageStore
from storage.mongo import collections_of, ensure_indexes
from tests.integration.calls import counted

EMAIL, PUSH = MessageChannel.EMAIL, MessageChannel.PUSH
T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
RECEIPT = Rendered("You earned 40 points", "Balance 140.")


@pytest.fixture
async def store() -> MongoMessageStore:
    client: Any = AsyncMongoMockClient(tz_aware=True)
    collections = collections_of(client["tessera_test"], embedded=True)
    await ensure_indexes(collections)
    return MongoMessageStore(collections.messages)


def receipt(member_id: str = "m-1", order_id: str = "o1") -> Intent:
    return Intent(member_id, Purchased(order_id), T0)


async def test_creating_the_same_message_twice_keeps_one(store: MongoMessageStore) -> None:
    # given a job that creates the receipt message, then runs again after a crash
    first, created = await store.create_if_absent(new_message(receipt(), T0, EMAIL, (PUSH,)))
    again, created_again = await store.create_if_absent(new_message(receipt(), T0 + MINUTE, PUSH))
    # then the second run gets the first run's message, unchanged
    assert (created, created_again) == (True, False)
    assert again == first == await store.get(first.id)
    assert (again.channel, again.fallbacks, again.created_at) == (EMAIL, (PUSH,), T0)
    page = await store.for_member("m-1", 10, None)
    assert [m.id for _, m in page.messages] == [first.id]


async def test_concurrent_creates_make_one_message(store: MongoMessageStore) -> None:
    results = await asyncio.gather(
        *(store.create_if_absent(new_message(receipt(), T0, EMAIL)) for _ in range(10))
    )
    assert sum(created for _, created in results) == 1
    assert len({m for m, _ in results}) == 1


async def test_of_ten_workers_claiming_a_message_exactly_one_sends_it(
    store: MongoMessageStore,
) -> None:
    pending, _ = await store.create_if_absent(new_message(receipt(), T0, EMAIL))

    async def worker(number: int) -> bool:
        read = await store.get(pending.id)
        assert read is not None
        claimed = start_sending(read, EMAIL, RECEIPT, number, T0 + MINUTE)
        return await store.claim_for_sending(claimed, read)

    # when ten workers read the PENDING message and try to claim it at the same time
    wins = await asyncio.gather(*(worker(n) for n in range(10)))
    # then one wins; the message is SENDING with a single attempt, by the winner
    assert sum(wins) == 1
    stored = await store.get(pending.id)
    assert stored is not None
    assert (stored.status, len(stored.attempts)) == (MessageStatus.SENDING, 1)
    assert stored.rendered_version == wins.index(True)


async def test_resuming_after_a_crash_is_claimed_once(store: MongoMessageStore) -> None:
    # given a message left SENDING by a worker that died
    pending, _ = await store.create_if_absent(new_message(receipt(), T0, EMAIL))
    crashed = start_sending(pending, EMAIL, RECEIPT, 7, T0)
    assert await store.claim_for_sending(crashed, pending)
    # when two retried jobs resume it at once
    resumes = [start_sending(crashed, EMAIL, RECEIPT, 8, T0 + MINUTE) for _ in range(2)]
    wins = await asyncio.gather(*(store.claim_for_sending(r, crashed) for r in resumes))
    # then one resumes it, with the same id and rendering
    assert sorted(wins) == [False, True]
    stored = await store.get(pending.id)
    assert stored is not None
    assert (stored.id, stored.status, stored.rendered_version, len(stored.attempts)) == (
        pending.id,
        MessageStatus.SENDING,
        7,
        2,
    )


async def test_a_stale_write_is_refused(store: MongoMessageStore) -> None:
    pending, _ = await store.create_if_absent(new_message(receipt(), T0, EMAIL))
    # given one worker deferred the message
    assert await store.save(defer(pending, T0 + 2 * MINUTE, T0 + MINUTE), pending)
    # then another worker's deferral based on the old read is refused
    assert not await store.save(defer(pending, T0 + 3 * MINUTE, T0 + MINUTE / 2), pending)


async def test_due_lists_pending_messages_whose_time_has_come(store: MongoMessageStore) -> None:
    now = T0 + 10 * MINUTE
    # given a message due now, one deferred past now, and one that failed back to PENDING
    due_now, _ = await store.create_if_absent(new_message(receipt(order_id="o1"), T0, EMAIL))
    later, _ = await store.create_if_absent(new_message(receipt(order_id="o2"), T0, EMAIL))
    assert await store.save(defer(later, now + MINUTE / 2, T0), later)
    sending, _ = await store.create_if_absent(new_message(receipt(order_id="o3"), T0, EMAIL))
    claimed = start_sending(sending, EMAIL, RECEIPT, 1, T0)
    assert await store.claim_for_sending(claimed, sending)
    # then only the first is due; the one still SENDING is not
    assert [m.id for m in await store.due(now, 10)] == [due_now.id]
    # when the SENDING one fails transiently, it is due again after the retry delay,
    # listed by not_before: the deferred one (30s) before the retry (60s)
    retry = mark_failed_attempt(claimed, False, "timeout", now)
    assert await store.save(retry, claimed)
    assert [m.id for m in await store.due(now, 10)] == [due_now.id]
    assert [m.id for m in await store.due(now + MINUTE, 10)] == [due_now.id, later.id, retry.id]
    assert await store.due(now + MINUTE, 0) == ()


async def test_for_member_pages_newest_first(store: MongoMessageStore) -> None:
    # given five messages for m-1 a minute apart, and one for someone else
    intents = [receipt(order_id=f"o{n}") for n in range(3)] + [
        Intent("m-1", VoucherExpiring("mr-1"), T0),
        Intent("m-1", AtRisk(datetime(2025, 1, 1, 3, 4, 5, 678901, tzinfo=UTC)), T0),
    ]
    for n, intent in enumerate(intents):
        await store.create_if_absent(new_message(intent, T0 + n * MINUTE))
    await store.create_if_absent(new_message(receipt(member_id="m-2"), T0 + 9 * MINUTE))
    # when staff page through two at a time
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = await store.for_member("m-1", 2, after)
        pages += 1
        seen.extend(m.key for _, m in page.messages)
        if not page.has_next_page:
            break
        after = page.messages[-1][0]
    # then they see all five, newest first, in three pages
    assert pages == 3
    assert seen == [i.key for i in reversed(intents)]
    # and the stored reason round-trips exactly, so the key is unchanged
    stored = (await store.for_member("m-1", 1, None)).messages[0][1]
    assert stored.intent == intents[-1]


async def _made(store: MongoMessageStore, order_id: str, until: datetime | None = None) -> Any:
    made, _ = await store.create_if_absent(new_message(receipt(order_id=order_id), T0, EMAIL))
    if until is None:
        return made
    waiting = defer(made, until, T0, DeferReason.FREQUENCY_CAP)
    assert await store.save(waiting, made)
    return waiting


async def test_open_for_reads_what_is_due_and_only_the_soonest_waiting(
    store: MongoMessageStore,
) -> None:
    # given a member's history (sent), one message being sent, two due and 25 deferred by
    # the caps to tomorrow, each a minute apart; and another member's due message
    for n in range(30):
        made = await _made(store, f"sent-{n}")
        sending = start_sending(made, EMAIL, RECEIPT, 1, T0)
        assert await store.claim_for_sending(sending, made)
        assert await store.save(mark_sent(sending, f"ref-{n}", T0), sending)
    in_flight = await _made(store, "in-flight")
    assert await store.claim_for_sending(start_sending(in_flight, EMAIL, RECEIPT, 1, T0), in_flight)
    due = [await _made(store, f"due-{n}") for n in range(2)]
    tomorrow = T0 + timedelta(days=1)
    waiting = [await _made(store, f"w-{n:02d}", tomorrow + n * MINUTE) for n in range(25)]
    await store.create_if_absent(new_message(receipt("m-2", "other"), T0, EMAIL))
    # when a dispatch reads the member's open messages, checking the 10 soonest waiting
    found = await store.open_for("m-1", T0, 10)
    # then it has the one being sent, both due and the 10 soonest waiting, soonest first
    expected = sorted([in_flight.id, *(m.id for m in due)]) + [m.id for m in waiting[:10]]
    assert [m.id for m in found] == expected
    assert [m.status for m in found][:3].count(MessageStatus.SENDING) == 1
    # and once they all fall due, a burst longer than a page is read whole
    assert [m.id for m in await store.open_for("m-1", tomorrow + 30 * MINUTE, 0)][-25:] == [
        m.id for m in waiting
    ]
    assert len(await store.open_for("m-1", T0, 0)) == 3


async def test_open_for_reads_only_what_it_returns_however_long_the_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given, on the embedded store, a member with 2,000 sent messages and 300 waiting for
    # tomorrow, and another with the same history and one message due
    client: Any = AsyncMongoMockClient(tz_aware=True)
    collections = collections_of(client["tessera_test"], embedded=True)
    await ensure_indexes(collections)
    history = [
        {"_id": f"sent_{m}_{n:05d}", "member_id": m, "status": "SENT", "not_before": T0}
        for m in ("m-1", "m-2")
        for n in range(2000)
    ]
    await collections.messages.insert_many(history)
    store = MongoMessageStore(collections.messages)
    tomorrow = T0 + timedelta(days=1)
    waiting = [await _made(store, f"w-{n:03d}", tomorrow + n * MINUTE) for n in range(300)]
    due, _ = await store.create_if_absent(new_message(receipt("m-2", "due"), T0, EMAIL))
    plain = client["tessera_test"].delegate.get_collection("messages")
    copies = counted(plain, "_copy_only_fields")  # what mongomock copies out of its store
    tested = counted(embedded_index, "filter_applies", monkeypatch)  # documents tested
    # when a dispatch reads each one's open messages, checking 2 of those waiting
    found = await store.open_for("m-1", T0, 2)
    # then it copies the page it asked for (those two, and two more), not 2,300 documents
    assert [m.id for m in found] == [m.id for m in waiting[:2]]
    assert copies.count == 4
    # and it walks the member's PENDING messages only: the sent ones are not tested one by one
    tested.count = 0
    assert [m.id for m in await store.open_for("m-2", T0, 10)] == [due.id]
    assert tested.count <= 2
