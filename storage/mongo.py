"""Connecting to MongoDB (or its in-memory stand-in) and creating the indexes we rely on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from motor.motor_asyncio import AsyncIOMotorClient

from storage.collection import Collection
from storage.embedded import EmbeddedCollection
from storage.outbox import PENDING
from storage.serialized_writes import SerializeWrites, serialized_writes
from storage.webhooks import ensure_webhook_indexes


@dataclass(frozen=True)
class Collections:
    members: Collection
    keys: Collection
    ledger: Collection
    requests: Collection  # requests members no longer hold (storage.recorded)
    stock: Collection
    messages: Collection
    profiles: Collection
    sent: Collection  # the sent-messages provider: what would have been sent
    parked: Collection  # outbox items the relay set aside
    progress: Collection  # where each cron sweep stands (storage.sweep_progress)
    stats: Collection  # the program's counters, a document a day (storage.program_stats)
    stats_counted: Collection  # the changes counted in them, each once
    webhook_subscriptions: Collection  # endpoints and the events they hear (storage.webhooks)
    webhook_deliveries: Collection  # one per endpoint and webhook event


@dataclass(frozen=True)
class Timeouts:
    """How long a call waits for MongoDB, in seconds, before it fails (then answered as
    SERVICE_UNAVAILABLE). pymongo's own defaults (30 s to find a server, 20 s to connect,
    no limit on a reply) held a request ~30 s while the database was down."""

    server_selection: float = 3.0  # to find a server that can take the call
    connect: float = 3.0  # to open a connection to it
    socket: float = 10.0  # for one reply on an open connection

    def client_options(self, url: str) -> dict[str, Any]:
        """pymongo's options, except those the URL sets itself (the URL wins)."""
        in_url = {name.lower() for name in parse_qs(urlsplit(url).query)}
        options = {
            "serverSelectionTimeoutMS": round(self.server_selection * 1000),
            "connectTimeoutMS": round(self.connect * 1000),
            "socketTimeoutMS": round(self.socket * 1000),
        }
        return {name: value for name, value in options.items() if name.lower() not in in_url}


def connect(
    url: str | None,
    database: str,
    client: Any = None,
    serialize_writes: SerializeWrites = "auto",
    timeouts: Timeouts | None = None,
) -> tuple[Any, Collections]:
    """A real MongoDB through motor when `url` is set; otherwise an in-memory mongomock.

    `client` reuses one already made: two app instances in one process share a mongomock.
    `serialize_writes`: see `storage.serialized_writes` (FerretDB).
    """
    if client is None and url:
        client = AsyncIOMotorClient(
            url,
            tz_aware=True,
            uuidRepresentation="standard",
            **(timeouts or Timeouts()).client_options(url),
        )
    elif client is None:
        from mongomock_motor import AsyncMongoMockClient

        client = AsyncMongoMockClient(tz_aware=True)
    return client, collections_of(client[database], not url, serialize_writes)


def collections_of(
    db: Any, embedded: bool = False, serialize_writes: SerializeWrites = "auto"
) -> Collections:
    wrap = EmbeddedCollection if embedded else serialized_writes(db, serialize_writes)
    return Collections(
        members=wrap(db["members"]),
        keys=wrap(db["member_keys"]),
        ledger=wrap(db["ledger"]),
        requests=wrap(db["member_requests"]),
        stock=wrap(db["reward_stock"]),
        messages=wrap(db["messages"]),
        profiles=wrap(db["messaging_profiles"]),
        sent=wrap(db["sent_messages"]),
        parked=wrap(db["outbox_parked"]),
        progress=wrap(db["job_progress"]),
        stats=wrap(db["program_stats"]),
        stats_counted=wrap(db["program_stats_counted"]),
        webhook_subscriptions=wrap(db["webhook_subscriptions"]),
        webhook_deliveries=wrap(db["webhook_deliveries"]),
    )


async def ensure_indexes(c: Collections) -> None:
    # Vouchers, identifiers and orders are unique through member_keys' _id.
    await c.keys.create_index("member_id")
    await c.keys.create_index("link_code", sparse=True)  # partners' link codes (storage.partners)
    await c.ledger.create_index([("member_id", 1), ("created_at", -1), ("_id", -1)])
    # Orders are read from their entries (storage.recorded); old requests are forgotten.
    await c.ledger.create_index("order_id", sparse=True)
    await c.ledger.create_index("member_reward_id", sparse=True)  # cancelRedemption by id
    await c.requests.create_index("recorded_at")
    await c.members.create_index("merged_into", sparse=True)
    await c.parked.create_index([("parked_at", -1), ("_id", -1)])
    # Only members with outbox items waiting carry the field: the timed outbox sweep reads
    # this small index, not every member (storage.outbox).
    await c.members.create_index(PENDING, sparse=True)
    # The cron sweeps page through members with something due in the index's order, date
    # then id (see storage.scans); the date alone would leave ties to an in-memory sort.
    await c.members.create_index([("next_due_at", 1), ("_id", 1)])
    await c.members.create_index([("next_expiry_at", 1), ("_id", 1)])
    await c.messages.create_index([("status", 1), ("not_before", 1)])  # due()
    await c.messages.create_index([("status", 1), ("updated_at", 1)])  # stalled()
    await c.messages.create_index([("member_id", 1), ("created_at", -1), ("_id", -1)])  # staff
    await c.messages.create_index(  # open_for(): a member's PENDING ones, soonest first
        [("member_id", 1), ("status", 1), ("not_before", 1), ("_id", 1)]
    )
    await ensure_webhook_indexes(c.webhook_subscriptions, c.webhook_deliveries)
