"""What the embedded default provider keeps instead of sending: one document per message id.

The content is written with `$setOnInsert`, so a re-send after a crash leaves the first
copy as it was; `attempts` counts the sends, which shows a repeat arrived and was dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import PyMongoError

from storage.collection import Collection


class SentMessagesUnavailable(Exception):
    """The store could not be written; the provider reports a transient failure."""


class MongoSentMessages:
    def __init__(self, collection: Collection) -> None:
        self._collection = collection

    async def keep(self, message_id: str, content: dict[str, Any], now: datetime) -> bool:
        """Keep `content` under the message id; True the first time, False on a repeat."""
        try:
            result = await self._collection.update_one(
                {"_id": message_id},
                {
                    "$setOnInsert": {**content, "stored_at": now},
                    "$set": {"last_attempt_at": now},
                    "$inc": {"attempts": 1},
                },
                upsert=True,
            )
        except PyMongoError as error:
            raise SentMessagesUnavailable(f"{type(error).__name__}: {error}") from error
        return result.upserted_id is not None
