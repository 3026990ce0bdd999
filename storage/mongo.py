"""Connecting to MongoDB (or its in-memory stand-in) and creating the indexes we rely on."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient

from storage.serialized_writes import SerializeWrites, serialized_writes

Collection = Any  # motor and mongomock-motor collections share the calls we make


@dataclass(frozen=True)
class Collections:
    members: Collection
    keys: Collection
    ledger: Collection
    stock: Collection
    messages: Collection
    profiles: Collection
    sent: Collection  # the outbox provider: what would have been sent


def connect(
    url: str | None, database: str, client: Any = None, serialize_writes: SerializeWrites = "auto"
) -> tuple[Any, Collections]:
    """A real MongoDB through motor when `url` is set; otherwise an in-memory mongomock.

    `client` reuses one already made: two app instances in one process share a mongomock.
    `serialize_writes`: see `storage.serialized_writes` (FerretDB).
    """
    if client is None and url:
        client = AsyncIOMotorClient(url, tz_aware=True, uuidRepresentation="standard")
    elif client is None:
        from mongomock_motor import AsyncMongoMockClient

        client = AsyncMongoMockClient(tz_aware=True)
    return client, collections_of(client[database], not url, serialize_writes)


def collections_of(
    db: Any, embedded: bool = False, serialize_writes: SerializeWrites = "auto"
) -> Collections:
    wrap = YieldingCollection if embedded else serialized_writes(db, serialize_writes)
    return Collections(
        members=wrap(db["members"]),
        keys=wrap(db["member_keys"]),
        ledger=wrap(db["ledger"]),
        stock=wrap(db["reward_stock"]),
        messages=wrap(db["messages"]),
        profiles=wrap(db["messaging_profiles"]),
        sent=wrap(db["sent_messages"]),
    )


class YieldingCollection:
    """mongomock answers without ever yielding to the event loop; a real database always does.

    Yielding once per call lets concurrent requests interleave as they do in production, so
    the races that compare-and-swap settles happen on the embedded store too.
    """

    _CALLS = frozenset(
        {
            "find_one",
            "insert_one",
            "insert_many",
            "update_one",
            "update_many",
            "delete_one",
            "create_index",
            "count_documents",
        }
    )

    def __init__(self, collection: Any) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if name not in self._CALLS:
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0)
            return await attribute(*args, **kwargs)

        return call


async def ensure_indexes(c: Collections) -> None:
    # Vouchers, identifiers and orders are unique through member_keys' _id.
    await c.keys.create_index("member_id")
    await c.ledger.create_index([("member_id", 1), ("created_at", -1), ("_id", -1)])
    await c.members.create_index("merged_into", sparse=True)
    # The cron sweeps look for members with something due (see storage.scans).
    await c.members.create_index("next_due_at")
    await c.members.create_index("next_expiry_at")
    await c.messages.create_index([("status", 1), ("not_before", 1)])  # due()
    await c.messages.create_index([("status", 1), ("updated_at", 1)])  # stalled()
    await c.messages.create_index([("member_id", 1), ("created_at", -1), ("_id", -1)])  # staff
    await c.messages.create_index([("member_id", 1), ("status", 1)])  # open_for()
