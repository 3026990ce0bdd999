"""The messages collection: one document per message, moved through its states by
compare-and-set, so two workers never both send it and a re-run job never makes a second."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.errors import InvalidInput
from domain.messaging.channels import DeliveryOutcome
from domain.messaging.message import Message, MessageStatus
from domain.messaging.message_store import MessagePage
from storage.documents import utc
from storage.message_documents import message_from_doc, message_to_doc, mongo_time
from storage.mongo import Collection

MAX_PAGE = 100


def encode_cursor(doc: dict[str, Any]) -> str:
    millis = int(utc(doc["created_at"]).timestamp() * 1000)
    return base64.urlsafe_b64encode(f"{millis}|{doc['_id']}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        millis, message_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromtimestamp(int(millis) / 1000, UTC), message_id
    except ValueError:
        raise InvalidInput("after", "not a cursor from this list of messages") from None


class MongoMessageStore:
    def __init__(self, messages: Collection) -> None:
        self._messages = messages

    async def create_if_absent(self, message: Message) -> tuple[Message, bool]:
        try:
            await self._messages.insert_one(message_to_doc(message))
            return message, True
        except DuplicateKeyError:
            existing = await self.get(message.id)
            if existing is None:  # inserted and deleted in between: we never delete
                raise
            return existing, False

    async def get(self, message_id: str) -> Message | None:
        doc = await self._messages.find_one({"_id": message_id})
        return None if doc is None else message_from_doc(doc)

    async def save(self, message: Message, previous: Message) -> bool:
        if message.id != previous.id:
            raise ValueError(f"{message.id} cannot replace {previous.id}")
        fields = message_to_doc(message)
        del fields["_id"]
        result = await self._messages.update_one(
            {
                "_id": previous.id,
                "status": previous.status.value,
                "attempt_count": len(previous.attempts),
                "updated_at": mongo_time(previous.updated_at),
            },
            {"$set": fields},
        )
        return bool(result.modified_count == 1)

    async def claim_for_sending(self, sending: Message, previous: Message) -> bool:
        """Move `previous` (PENDING, or SENDING after a crash) to `sending`; exactly one of
        several workers claiming the same message gets True."""
        if sending.status is not MessageStatus.SENDING:
            raise ValueError(f"a claim stores a SENDING message, not {sending.status.value}")
        return await self.save(sending, previous)

    async def record_delivery(
        self, message_id: str, before: DeliveryOutcome | None, after: DeliveryOutcome
    ) -> bool:
        """Move the sent copy's feedback from `before` to `after`; False if another piece of
        feedback got there first (the caller reads the message again)."""
        result = await self._messages.update_one(
            {
                "_id": message_id,
                "status": MessageStatus.SENT.value,
                "delivery": None if before is None else before.value,
            },
            {"$set": {"delivery": after.value}},
        )
        return bool(result.modified_count == 1)

    async def open_for(self, member_id: str) -> tuple[Message, ...]:
        """The member's PENDING and SENDING messages, soonest first."""
        statuses = [MessageStatus.PENDING.value, MessageStatus.SENDING.value]
        query = {"member_id": member_id, "status": {"$in": statuses}}
        cursor = self._messages.find(query).sort([("not_before", 1), ("_id", 1)])
        return tuple(message_from_doc(d) for d in await cursor.to_list(length=None))

    async def stalled(self, started_before: datetime, limit: int) -> tuple[Message, ...]:
        """SENDING messages whose last attempt began before the cutoff: their sender died."""
        query = {"status": MessageStatus.SENDING.value, "updated_at": {"$lt": started_before}}
        cursor = self._messages.find(query).sort([("updated_at", 1), ("_id", 1)]).limit(limit)
        return tuple(message_from_doc(d) for d in await cursor.to_list(length=limit))

    async def due(self, now: datetime, limit: int) -> tuple[Message, ...]:
        if limit <= 0:  # MongoDB reads limit(0) as "no limit"
            return ()
        query = {"status": MessageStatus.PENDING.value, "not_before": {"$lte": now}}
        cursor = self._messages.find(query).sort([("not_before", 1), ("_id", 1)]).limit(limit)
        return tuple(message_from_doc(d) for d in await cursor.to_list(length=limit))

    async def for_member(self, member_id: str, first: int, after: str | None) -> MessagePage:
        if not 0 <= first <= MAX_PAGE:
            raise InvalidInput("first", f"between 0 and {MAX_PAGE}")
        query: dict[str, Any] = {"member_id": member_id}
        if after is not None:
            at, message_id = decode_cursor(after)
            query["$or"] = [
                {"created_at": {"$lt": at}},
                {"created_at": at, "_id": {"$lt": message_id}},
            ]
        found = self._messages.find(query).sort([("created_at", -1), ("_id", -1)])
        docs = await found.limit(first + 1).to_list(length=first + 1)
        page = tuple((encode_cursor(d), message_from_doc(d)) for d in docs[:first])
        return MessagePage(page, has_next_page=len(docs) > first)
