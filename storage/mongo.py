"""Connecting to MongoDB (or its in-memory stand-in) and creating the indexes we rely on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient

Collection = Any  # motor and mongomock-motor collections share the calls we make


@dataclass(frozen=True)
class Collections:
    members: Collection
    keys: Collection
    ledger: Collection
    stock: Collection


def connect(url: str | None, database: str) -> tuple[Any, Collections]:
    """A real MongoDB through motor when `url` is set; otherwise an in-memory mongomock."""
    if url:
        client: Any = AsyncIOMotorClient(url, tz_aware=True, uuidRepresentation="standard")
    else:
        from mongomock_motor import AsyncMongoMockClient

        client = AsyncMongoMockClient(tz_aware=True)
    return client, collections_of(client[database])


def collections_of(db: Any) -> Collections:
    return Collections(
        members=db["members"], keys=db["member_keys"], ledger=db["ledger"], stock=db["reward_stock"]
    )


async def ensure_indexes(c: Collections) -> None:
    # Vouchers, identifiers and orders are unique through member_keys' _id.
    await c.keys.create_index("member_id")
    await c.ledger.create_index([("member_id", 1), ("created_at", -1), ("seq", -1), ("_id", -1)])
    await c.members.create_index("merged_into", sparse=True)
