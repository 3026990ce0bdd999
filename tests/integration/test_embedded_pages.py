"""The embedded store's sorted pages (`storage.embedded_order`) answer what mongomock's own
copy-and-sort answers, after any mix of writes, and a member's first page of history no
longer reads their whole ledger.

Each check asks the app's collection and a plain mongomock collection over the same
documents (which knows nothing of the ordering) and wants the same page, in the same order."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mongomock_motor import AsyncMongoMockClient

from storage.mongo import collections_of, ensure_indexes
from storage.pages import newest_first
from tests.integration.calls import counted

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
PAGE_SORT = [("created_at", -1), ("_id", -1)]
LONG = {"member_id": {"$in": ["long"]}}  # as a member's history asks, by all its ids

# Few members, few instants and few ids, so ties, moves and overwrites are common; and the
# awkward values MongoDB orders across types: no time, a string time, an id of another type,
# a member id in an array (which an equality matches inside).
members = st.sampled_from(["a", "b", ["a", "c"], None])
instants = st.one_of(
    st.integers(0, 5).map(lambda n: T0 + timedelta(seconds=n)),
    st.sampled_from([None, "2026-01-15", 7]),
)
ids = st.one_of(
    st.integers(0, 12).map(lambda n: f"ent_{n:02d}"), st.just(ObjectId(b"twelve-bytes"))
)
fields = st.fixed_dictionaries(
    {"member_id": members, "created_at": instants, "kind": st.sampled_from(["EARNED", "BURNED"])}
)


def writes_of(bodies: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[list[Any]]:
    return st.lists(
        st.one_of(
            st.tuples(st.just("insert"), ids, bodies),
            st.tuples(st.just("update"), ids, bodies),
            st.tuples(st.just("delete"), ids, st.just({})),
        ),
        max_size=25,
    )


writes = writes_of(fields)
finds = st.tuples(
    st.sampled_from(["a", "b", "c", "a+b"]),
    st.sampled_from([None, "EARNED"]),
    st.one_of(st.none(), st.tuples(st.integers(0, 5), st.integers(0, 12))),  # after a cursor
    st.sampled_from(
        [
            PAGE_SORT,
            [("created_at", 1), ("_id", 1)],
            [("created_at", -1), ("_id", 1)],
            [("created_at", -1)],
        ]
    ),
    st.integers(1, 4),
    st.integers(0, 2),
)


def _filter(member: str, kind: str | None, after: tuple[int, int] | None) -> dict[str, Any]:
    found: dict[str, Any] = {"member_id": {"$in": ["a", "b"]} if member == "a+b" else member}
    if kind is not None:
        found["kind"] = kind
    if after is not None:
        at, item = T0 + timedelta(seconds=after[0]), f"ent_{after[1]:02d}"
        found["$or"] = [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": item}}]
    return found


async def _written(collection: Any, operations: list[Any]) -> None:
    for operation, item_id, body in operations:
        if operation == "insert" and await collection.find_one({"_id": item_id}) is None:
            await collection.insert_one({"_id": item_id, **body})
        elif operation == "update":
            await collection.update_one({"_id": item_id}, {"$set": body})
        elif operation == "delete":
            await collection.delete_one({"_id": item_id})


async def _same_pages(operations: list[Any], queries: list[Any]) -> None:
    client: Any = AsyncMongoMockClient(tz_aware=True)  # as the app makes it
    collections = collections_of(client["pages"], embedded=True)
    await ensure_indexes(collections)
    ledger = collections.ledger
    plain = client["pages"].delegate.get_collection("ledger")  # mongomock's own answers
    await _written(ledger, operations)
    for member, kind, after, sort, limit, skip in queries:
        query = _filter(member, kind, after)
        page = await ledger.find(query, skip=skip).sort(sort).limit(limit).to_list(None)
        walked = [doc async for doc in ledger.find(query, skip=skip).sort(sort).limit(limit)]
        expected = list(plain.find(query).sort(sort).skip(skip).limit(limit))
        assert page == expected, (query, sort, skip, limit)
        assert walked == expected, (query, sort, skip, limit)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes, st.lists(finds, min_size=1, max_size=6))
def test_sorted_pages_answer_as_mongomock_sorts(operations: list[Any], queries: list[Any]) -> None:
    asyncio.run(_same_pages(operations, queries))


async def test_a_first_page_of_a_long_history_reads_only_the_page() -> None:
    client: Any = AsyncMongoMockClient(tz_aware=True)  # as the app makes it
    collections = collections_of(client["pages"], embedded=True)
    await ensure_indexes(collections)
    entries = [
        {"_id": f"ent_{n:05d}", "member_id": "long", "created_at": T0 + timedelta(minutes=n)}
        for n in range(5000)
    ]
    await collections.ledger.insert_many(entries)
    await collections.ledger.insert_one(
        {"_id": "ent_other", "member_id": "short", "created_at": T0}
    )
    plain = client["pages"].delegate.get_collection("ledger")
    copies = counted(plain, "_copy_only_fields")  # what mongomock copies out of its store

    page, more = await newest_first(collections.ledger, LONG, 10, None, "history")

    assert [doc["_id"] for _, doc in page] == [f"ent_{n:05d}" for n in range(4999, 4989, -1)]
    assert more
    assert copies.count == 11  # the page and the one that says more follow; not 5,000


# A member's messages by status, as `open_for` reads them along (member_id, status,
# not_before, _id): the walk covers only the documents of the status asked for.
statuses = st.sampled_from(["PENDING", "SENDING", "SENT", ["PENDING"], None, 3])
message_fields = st.fixed_dictionaries(
    {"member_id": members, "status": statuses, "not_before": instants}
)
message_writes = writes_of(message_fields)
STATUS_ORDER = [("status", 1), ("not_before", 1), ("_id", 1)]
message_finds = st.tuples(
    st.sampled_from(["a", "b", "a+b"]),
    st.sampled_from(["PENDING", {"$eq": "SENT"}, None, 3, "absent"]),
    st.one_of(st.none(), st.tuples(st.integers(0, 5), st.integers(0, 12))),  # after a cursor
    st.sampled_from([STATUS_ORDER, [(field, -1) for field, _ in STATUS_ORDER]]),
    st.integers(1, 4),
    st.integers(0, 2),
)


def _message_filter(member: str, status: Any, after: tuple[int, int] | None) -> dict[str, Any]:
    found: dict[str, Any] = {"member_id": {"$in": ["a", "b"]} if member == "a+b" else member}
    if status != "absent":
        found["status"] = status
    if after is not None:
        at, item = T0 + timedelta(seconds=after[0]), f"ent_{after[1]:02d}"
        found["$or"] = [{"not_before": {"$gt": at}}, {"not_before": at, "_id": {"$gt": item}}]
    return found


async def _same_message_pages(operations: list[Any], queries: list[Any]) -> None:
    client: Any = AsyncMongoMockClient(tz_aware=True)
    collections = collections_of(client["pages"], embedded=True)
    await ensure_indexes(collections)
    messages = collections.messages
    plain = client["pages"].delegate.get_collection("messages")
    await _written(messages, operations)
    for member, status, after, sort, limit, skip in queries:
        query = _message_filter(member, status, after)
        page = await messages.find(query, skip=skip).sort(sort).limit(limit).to_list(None)
        expected = list(plain.find(query).sort(sort).skip(skip).limit(limit))
        assert page == expected, (query, sort, skip, limit)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_writes, st.lists(message_finds, min_size=1, max_size=6))
def test_pages_of_one_status_answer_as_mongomock_sorts(
    operations: list[Any], queries: list[Any]
) -> None:
    asyncio.run(_same_message_pages(operations, queries))
