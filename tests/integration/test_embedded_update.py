"""An update of one document by `_id` on the embedded store (`storage.embedded_update`) gives
what mongomock's own update gives, copies only what it changes, and leaves a document
whole when the update fails; and a unique index refuses a second holder of its key.

Each check runs the same writes on the app's collection and on a plain mongomock
collection in a client of its own (which knows nothing of the copy-on-write path), BSON
round-tripped as the embedded store sends them, and wants the same results, the same
errors and the same documents, in the same order."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mongomock import DuplicateKeyError
from mongomock_motor import AsyncMongoMockClient

from storage.embedded import EmbeddedCollection, as_mongodb_stores
from tests.integration.calls import counted
from tests.integration.stored_values import T0, instants, nested

IDS = ["m1", "m2", "m3"]

scalars = st.one_of(
    st.integers(-3, 3),
    st.sampled_from(["x", "y", None, True, 2.5]),
    instants,
)
values = nested(scalars, leaves=6)
# `code` has a unique index, and holds scalars only (mongomock cannot check a list's).
documents = st.builds(
    lambda body, code: body if code is None else {**body, "code": code},
    st.dictionaries(st.sampled_from(["a", "b", "n", "items"]), values, max_size=4),
    st.one_of(st.none(), st.sampled_from(["c1", "c2"])),
)
# Paths through dicts (the copy-on-write path), through arrays and positional ones
# (mongomock's), and onto fields no document has. Not the `_id`: mongomock changes it in
# place before refusing, and loses the document (the app never writes one).
paths = st.sampled_from(
    [
        "a",
        "b",
        "n",
        "items",
        "a.b",
        "a.n",
        "a.b.n",
        "new",
        "new.deep",
        "items.0",
        "items.$",
        "a.$[]",
    ]
)
renamed = st.sampled_from(["a", "b", "n", "items", "new"])  # mongomock loses a renamed `_id`
increments = st.one_of(st.integers(-2, 2), st.just(0.5))
operators: dict[str, st.SearchStrategy[Any]] = {
    "$set": values,
    "$setOnInsert": values,
    "$unset": st.just(""),
    "$inc": increments,
    "$mul": increments,
    "$max": scalars,
    "$min": scalars,
    "$push": st.one_of(values, st.lists(values, max_size=2).map(lambda v: {"$each": v})),
    "$addToSet": values,
    "$pull": scalars,
    "$pop": st.sampled_from([1, -1]),
    "$rename": st.sampled_from(["a", "b", "moved", "a.moved"]),
}
any_updates = st.dictionaries(
    st.sampled_from(sorted(operators)), st.just(None), min_size=1, max_size=2
).flatmap(
    lambda chosen: st.fixed_dictionaries(
        {
            operator: st.dictionaries(
                renamed if operator == "$rename" else paths,
                operators[operator],
                min_size=1,
                max_size=2,
            )
            for operator in chosen
        }
    )
)
codes = st.builds(lambda code: {"$set": {"code": code}}, st.sampled_from(["c1", "c2", "c3"]))
updates = st.one_of(
    any_updates, codes, st.tuples(any_updates, codes).map(lambda u: {**u[1], **u[0]})
)
conditions = st.one_of(
    st.just({}),
    st.builds(lambda v: {"n": v}, scalars),
    st.builds(lambda v: {"a.b": {"$ne": v}}, scalars),
    st.just({"items": {"$exists": True}}),
)
writes = st.lists(
    st.tuples(st.sampled_from(IDS), conditions, updates, st.booleans()), min_size=1, max_size=8
)


async def _at_once(run: Any) -> Any:
    return run()


async def _outcome_of(call: Any) -> tuple[Any, ...]:
    try:
        result = await call
    except Exception as error:  # the kind of error is what is compared
        return ("error", type(error).__name__)
    return ("done", result.matched_count, result.modified_count, result.upserted_id)


async def _same_as_mongomock(initial: dict[str, dict[str, Any]], operations: list[Any]) -> None:
    app = EmbeddedCollection(AsyncMongoMockClient(tz_aware=True)["db"]["things"])
    plain: Any = AsyncMongoMockClient(tz_aware=True)["db"].delegate.get_collection("things")
    await app.create_index("code", unique=True, sparse=True)
    plain.create_index("code", unique=True, sparse=True)
    for document_id, body in initial.items():
        with contextlib.suppress(DuplicateKeyError):  # two documents with one code
            await app.insert_one({"_id": document_id, **body})
            plain.insert_one(as_mongodb_stores({"_id": document_id, **body}))
    for document_id, condition, update, upsert in operations:
        query = as_mongodb_stores({"_id": document_id, **condition})
        change = as_mongodb_stores(update)
        expected = await _outcome_of(
            _at_once(partial(plain.update_one, query, change, upsert=upsert))
        )
        result = await _outcome_of(app.update_one(query, change, upsert=upsert))
        assert result == expected, (query, change, upsert)
        if expected[0] == "error":  # mongomock may leave half an update in place, where
            return  # MongoDB changes nothing: from here the two need not agree
        stored = await app.find({}).to_list(None)
        assert stored == list(plain.find({})), (query, change, upsert)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(IDS), documents, max_size=3), writes)
def test_an_update_by_id_gives_what_mongomock_gives(
    initial: dict[str, dict[str, Any]], operations: list[Any]
) -> None:
    asyncio.run(_same_as_mongomock(initial, operations))


def _message() -> dict[str, Any]:
    attempt = {"channel": "EMAIL", "started_at": T0, "outcome": None}
    return {
        "_id": "msg_1",
        "status": "PENDING",
        "intent": {"journey": "receipt", "orders": [f"ord_{n}" for n in range(20)]},
        "rendered": {"subject": "Your receipt", "body": "x" * 2000},
        "attempts": [dict(attempt, n=n) for n in range(5)],
        "code": "c1",
    }


async def test_a_message_claimed_is_not_copied_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = EmbeddedCollection(AsyncMongoMockClient(tz_aware=True)["db"]["messages"])
    await messages.insert_one(_message())
    copies = counted(copy, "deepcopy", monkeypatch)  # mongomock's snapshot of the document

    claimed = await messages.update_one(
        {"_id": "msg_1", "status": "PENDING"},
        {"$set": {"status": "SENDING"}, "$push": {"attempts": {"channel": "SMS"}}},
    )
    again = await messages.update_one(
        {"_id": "msg_1", "status": "PENDING"}, {"$set": {"status": "SENDING"}}
    )

    assert (claimed.matched_count, claimed.modified_count) == (1, 1)
    assert (again.matched_count, again.modified_count) == (0, 0)  # the compare-and-set lost
    assert copies.count == 0  # the old code deep-copied the whole message for each update
    stored = await messages.find_one({"_id": "msg_1"})
    assert stored is not None
    assert stored["status"] == "SENDING"
    assert [a["channel"] for a in stored["attempts"]][-2:] == ["EMAIL", "SMS"]
    assert stored["rendered"] == _message()["rendered"]


async def test_a_failed_update_leaves_the_document_whole() -> None:
    messages = EmbeddedCollection(AsyncMongoMockClient(tz_aware=True)["db"]["messages"])
    await messages.create_index("code", unique=True, sparse=True)
    await messages.insert_one(_message())
    await messages.insert_one({"_id": "msg_2", "code": "c2", "status": "PENDING"})
    before = await messages.find({}).to_list(None)

    with pytest.raises(DuplicateKeyError):  # the second document's code is taken
        await messages.update_one(
            {"_id": "msg_2"}, {"$set": {"status": "SENT", "code": "c1"}, "$inc": {"n": 1}}
        )
    with pytest.raises(TypeError):  # $inc on a string, after a $set that would apply
        await messages.update_one(
            {"_id": "msg_1"}, {"$set": {"status": "SENT"}, "$inc": {"status": 1}}
        )

    assert await messages.find({}).to_list(None) == before
    assert await messages.count_documents({"code": "c1"}) == 1


async def test_a_second_document_with_a_unique_key_is_refused() -> None:
    """mongomock checks a unique index by a lookup, right after storing the new document;
    the narrowed lookup did not know that document yet, so its duplicate went unseen."""
    things = EmbeddedCollection(AsyncMongoMockClient(tz_aware=True)["db"]["things"])
    await things.create_index("code", unique=True, sparse=True)
    await things.insert_one({"_id": "a", "code": "c1"})

    with pytest.raises(DuplicateKeyError):
        await things.insert_one({"_id": "b", "code": "c1"})
    with pytest.raises(DuplicateKeyError):
        await things.update_one({"_id": "c"}, {"$set": {"code": "c1"}}, upsert=True)
    await things.insert_one({"_id": "d", "code": "c2"})
    with pytest.raises(DuplicateKeyError):
        await things.update_one({"_id": "d"}, {"$set": {"code": "c1"}})

    assert [d["_id"] for d in await things.find({"code": "c1"}).to_list(None)] == ["a"]
    assert await things.find_one({"_id": "d"}) == {"_id": "d", "code": "c2"}
    assert await things.count_documents({}) == 2
