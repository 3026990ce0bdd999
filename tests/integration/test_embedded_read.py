"""A read of one document by `_id` on the embedded store (`storage.embedded_read`) answers
what mongomock's own read answers, value for value and type for type, without copying the
document value by value.

Each check stores the same documents in the app's collection and in a plain mongomock
collection in a client of its own, and asks both."""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime, timedelta
from typing import Any

import mongomock.collection
import pytest
from bson import Decimal128, Int64, ObjectId, Regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mongomock_motor import AsyncMongoMockClient

from storage.embedded import EmbeddedCollection, as_mongodb_stores
from tests.integration.calls import counted
from tests.integration.stored_values import T0, instants, nested

IDS = ["m1", "m2", ObjectId(b"twelve-bytes")]

scalars = st.one_of(
    st.integers(-(2**40), 2**40),
    st.sampled_from(
        ["x", "", None, True, False, 2.5, b"\x00raw", Decimal128("1.10"), Regex("^a", "i")]
    ),
    st.sampled_from([Int64(7), ObjectId(b"other-bytes!")]),
    instants,
)
values = nested(scalars, leaves=8)
documents = st.dictionaries(st.sampled_from(["a", "b", "n", "items"]), values, max_size=4)
conditions = st.one_of(
    st.just({}),
    st.builds(lambda v: {"n": v}, st.integers(-2, 2)),
    st.just({"a": {"$exists": True}}),
    st.just({"n": {"$gte": 0}}),
)
# No projection and ones that leave out top-level fields (this path); others (mongomock's).
projections = st.sampled_from(
    [None, {"items": 0}, {"a": 0, "_id": 0}, {"b": False}, {"a": 1}, {"a.b": 0}, {"n": 0.0}]
)
reads = st.lists(st.tuples(st.sampled_from([*IDS, "absent"]), conditions, projections), max_size=6)


def typed(value: Any) -> Any:
    """A value with every type and time zone spelled out, so that `==` tells int from Int64,
    True from 1 and one UTC from another."""
    if isinstance(value, dict):
        return ("dict", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), type(value.tzinfo), value.tzinfo)
    return (type(value), value)


async def _same_reads(initial: dict[Any, dict[str, Any]], asked: list[Any]) -> None:
    app = EmbeddedCollection(AsyncMongoMockClient(tz_aware=True)["db"]["things"])
    plain: Any = AsyncMongoMockClient(tz_aware=True)["db"].delegate.get_collection("things")
    for document_id, body in initial.items():
        await app.insert_one({"_id": document_id, **body})
        plain.insert_one(as_mongodb_stores({"_id": document_id, **body}))
    for document_id, condition, projection in asked:
        query = {"_id": document_id, **condition}
        try:  # a fresh projection each: mongomock changes the one it is given
            expected = typed(plain.find_one(as_mongodb_stores(query), copy.deepcopy(projection)))
        except (NotImplementedError, AttributeError) as error:  # mongomock's limits: Decimal128
            with pytest.raises(type(error)):  # in $gte, "a.b" left out of a list
                await app.find_one(query, copy.deepcopy(projection))
            continue
        found = await app.find_one(query, copy.deepcopy(projection))
        assert typed(found) == expected, (query, projection)
        if found is not None:  # a copy: changing it changes nothing stored
            found["n"] = "changed"
            assert await app.find_one({"_id": document_id, "n": "changed"}) is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(IDS), documents, max_size=3), reads)
def test_a_read_by_id_answers_what_mongomock_answers(
    initial: dict[Any, dict[str, Any]], asked: list[Any]
) -> None:
    asyncio.run(_same_reads(initial, asked))


async def test_a_read_by_id_does_not_copy_value_by_value(monkeypatch: pytest.MonkeyPatch) -> None:
    members = EmbeddedCollection(AsyncMongoMockClient(tz_aware=True)["db"]["members"])
    history = [{"at": T0 + timedelta(days=n), "points": n} for n in range(50)]
    outbox = [{"event": "EARNED", "n": n} for n in range(3)]
    await members.insert_one({"_id": "mem_1", "tier": "GOLD", "history": history, "outbox": outbox})
    copies = counted(mongomock.collection, "_copy_field", monkeypatch)

    member = await members.find_one({"_id": "mem_1"}, {"outbox": 0})  # as the member store reads
    copied_for_the_read = copies.count
    tier = await members.find_one({"_id": "mem_1"}, {"tier": 1})  # an inclusion: mongomock's

    assert member is not None
    assert "outbox" not in member
    assert member["history"][49] == {"at": T0 + timedelta(days=49), "points": 49}
    assert member["history"][0]["at"].tzinfo is not None
    assert copied_for_the_read == 0  # mongomock's read makes a call for each of 150 values
    assert tier == {"_id": "mem_1", "tier": "GOLD"}
    assert copies.count > 0  # mongomock's own read, seen by the count
