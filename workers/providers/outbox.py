"""The embedded default provider: store what would have been sent, once per message id.

The document's `_id` is the message id and its content is written with `$setOnInsert`, so a
re-send after a crash leaves the first copy as it was; `attempts` counts the sends, which
shows a repeat arrived and was dropped.
"""

from __future__ import annotations

from pymongo.errors import PyMongoError

from domain.clock import Clock, SystemClock
from storage.collection import Collection
from workers.providers.base import Delivery, OutgoingMessage


class OutboxProvider:
    def __init__(self, collection: Collection, clock: Clock | None = None) -> None:
        self._collection = collection
        self._clock: Clock = clock or SystemClock()

    async def send(self, message: OutgoingMessage) -> Delivery:
        now = self._clock.now()
        try:
            result = await self._collection.update_one(
                {"_id": message.message_id},
                {
                    "$setOnInsert": {**message.content(), "stored_at": now},
                    "$set": {"last_attempt_at": now},
                    "$inc": {"attempts": 1},
                },
                upsert=True,
            )
        except PyMongoError as error:
            return Delivery.transient(f"outbox unavailable: {type(error).__name__}: {error}")
        first = result.upserted_id is not None
        return Delivery.sent(message.message_id, detail="stored" if first else "already stored")
