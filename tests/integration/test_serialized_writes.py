"""Writes to one document, one at a time (storage.serialized_writes), on the real server:
FerretDB's updates read, change in Go and write back, so racing writers lose updates unless
each document's writes are serialized. On MongoDB, the same assertions hold either way."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorClient

from storage.document_locks import DocumentLocks
from storage.serialized_writes import LOCKS, SerializeWrites, serialized_writes
from tests.integration.held_replies import HeldReplies

WRITERS = 20
INCREMENTS = 200


@pytest.fixture
async def db(mongodb_url: str) -> AsyncIterator[Any]:
    client: AsyncIOMotorClient[Any] = AsyncIOMotorClient(mongodb_url, tz_aware=True)
    name = f"tessera_test_{secrets.token_hex(4)}"
    yield client[name]
    await client.drop_database(name)
    client.close()


def counters(db: Any, mode: SerializeWrites) -> Any:
    return serialized_writes(db, mode)(db["counters"])


async def on_ferretdb(db: Any) -> bool:
    return any(key.startswith("ferretdb") for key in await db.command("buildInfo"))


async def compare_and_swap_until_won(collection: Any, times: int) -> int:
    """Read the version, write version + 1 only if it is unchanged; count the wins."""
    wins = 0
    while wins < times:
        doc = await collection.find_one({"_id": "c"})
        result = await collection.update_one(
            {"_id": "c", "version": doc["version"]}, {"$set": {"version": doc["version"] + 1}}
        )
        wins += result.modified_count
    return wins


async def test_without_serializing_ferretdb_loses_increments(db: Any) -> None:
    # given a counter written with no lock
    raw = counters(db, "false")
    await raw.insert_one({"_id": "c", "n": 0})
    # when many increments race
    await asyncio.gather(
        *(raw.update_one({"_id": "c"}, {"$inc": {"n": 1}}) for _ in range(INCREMENTS))
    )
    # then FerretDB lost some (the reason for serialized writes); MongoDB loses none
    n = (await raw.find_one({"_id": "c"}))["n"]
    assert (n < INCREMENTS) if await on_ferretdb(db) else (n == INCREMENTS)


async def test_racing_increments_all_count(db: Any) -> None:
    collection = counters(db, "true")
    await collection.insert_one({"_id": "c", "n": 0})

    await asyncio.gather(
        *(collection.update_one({"_id": "c"}, {"$inc": {"n": 1}}) for _ in range(INCREMENTS))
    )

    assert (await collection.find_one({"_id": "c"}))["n"] == INCREMENTS
    assert await db[LOCKS].count_documents({}) == 0  # every lock was released


async def test_compare_and_swap_lets_one_writer_win_each_version(db: Any) -> None:
    # given a versioned document and writers that each want to move it on twice
    collection = counters(db, "true")
    await collection.insert_one({"_id": "c", "version": 0})
    # when they race
    wins = await asyncio.gather(
        *(compare_and_swap_until_won(collection, 2) for _ in range(WRITERS))
    )
    # then every win moved the version by exactly one
    assert sum(wins) == 2 * WRITERS
    assert (await collection.find_one({"_id": "c"}))["version"] == 2 * WRITERS


async def test_racing_upserts_make_one_document(db: Any) -> None:
    collection = counters(db, "true")

    await asyncio.gather(
        *(
            collection.update_one({"_id": "new"}, {"$inc": {"n": 1}}, upsert=True)
            for _ in range(WRITERS)
        )
    )

    assert await collection.find({}).to_list(None) == [{"_id": "new", "n": WRITERS}]


async def test_a_filter_without_an_id_locks_each_document_it_matches(db: Any) -> None:
    # given keys pointing at two members that are being merged into a third
    collection = counters(db, "true")
    await collection.insert_many(
        [{"_id": f"k{i}", "member": "a" if i % 2 else "b", "n": 0} for i in range(10)]
    )
    # when they are repointed while each key's counter is incremented
    await asyncio.gather(
        collection.update_many({"member": {"$in": ["a", "b"]}}, {"$set": {"member": "c"}}),
        *(collection.update_one({"_id": f"k{i}"}, {"$inc": {"n": 1}}) for i in range(10)),
    )
    # then neither write undid the other
    docs = await collection.find({}).sort("_id", 1).to_list(None)
    assert [(d["member"], d["n"]) for d in docs] == [("c", 1)] * 10
    first = await collection.update_one({"member": "c"}, {"$set": {"member": "d"}})
    none = await collection.delete_one({"member": "nobody"})
    assert (first.matched_count, first.modified_count, none.deleted_count) == (1, 1, 0)


async def test_a_lock_left_by_a_dead_writer_is_broken_after_its_lease(db: Any) -> None:
    # given the lock of a writer that died a minute ago
    collection = counters(db, "true")
    await collection.insert_one({"_id": "c", "n": 0})
    long_ago = datetime.now(UTC) - timedelta(minutes=1)
    await db[LOCKS].insert_one({"_id": "counters:c", "owner": "dead", "at": long_ago})
    # when two writers want the document
    async with asyncio.timeout(5):
        await asyncio.gather(
            *(collection.update_one({"_id": "c"}, {"$inc": {"n": 1}}) for _ in range(2))
        )
    # then both got through, and nothing is left locked
    assert (await collection.find_one({"_id": "c"}))["n"] == 2
    assert await db[LOCKS].count_documents({}) == 0


async def test_a_live_holder_is_waited_for(db: Any) -> None:
    # given a lock taken a moment ago by a writer still at work
    collection = counters(db, "true")
    await collection.insert_one({"_id": "c", "n": 0})
    await db[LOCKS].insert_one({"_id": "counters:c", "owner": "busy", "at": datetime.now(UTC)})
    # when another writer comes
    write = asyncio.create_task(collection.update_one({"_id": "c"}, {"$inc": {"n": 1}}))
    await asyncio.sleep(0.3)
    # then it waits until the holder lets go
    assert not write.done()
    await db[LOCKS].delete_one({"_id": "counters:c"})
    async with asyncio.timeout(5):
        await write
    assert (await collection.find_one({"_id": "c"}))["n"] == 1


@pytest.mark.parametrize(
    ("call", "landed"), [("insert_one", True), ("insert_one", False), ("delete_one", False)]
)
async def test_a_writer_cancelled_mid_lock_leaves_the_document_free(
    db: Any, call: str, landed: bool
) -> None:
    # given a writer whose lock's insert (or release) is on the way when it is cancelled
    locks = HeldReplies(db[LOCKS], call, landed)
    document_locks = DocumentLocks(locks)

    async def write() -> None:
        async with document_locks.holding("counters:c"):
            pass

    await locks.stop_there(write())
    # then the cancellation went on, and no lock is left to stall the next writer a lease
    assert await db[LOCKS].count_documents({}) == 0
    async with asyncio.timeout(2), DocumentLocks(db[LOCKS]).holding("counters:c"):
        pass
