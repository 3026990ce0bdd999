"""The messages collection: one document per message, moved through its states by
compare-and-set, so two workers never both send it and a re-run job never makes a second."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.messaging.channels import DeliveryOutcome
from domain.messaging.message import Message, MessageStatus
from domain.messaging.message_store import MessagePage
from storage.changes import changed_fields
from storage.collection import Collection
from storage.message_documents import message_from_doc, message_to_doc, mongo_time
from storage.pages import newest_first

PENDING_ORDER = [("status", 1), ("not_before", 1), ("_id", 1)]  # the open_for() index's


def _soonest_first(messages: list[Message]) -> tuple[Message, ...]:
    return tuple(sorted(messages, key=lambda m: (m.not_before, m.id)))


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
        fields = changed_fields(message_to_doc(previous), message_to_doc(message))
        as_read = {
            "_id": previous.id,
            "status": previous.status.value,
            "attempt_count": len(previous.attempts),
            "updated_at": mongo_time(previous.updated_at),
        }
        if not fields:  # MongoDB refuses an empty $set: saved if `previous` still holds
            return await self._messages.find_one(as_read, {"_id": 1}) is not None
        result = await self._messages.update_one(as_read, {"$set": fields})
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

    async def open_for(self, member_id: str, now: datetime, waiting: int) -> tuple[Message, ...]:
        """The member's SENDING messages, every PENDING one due by `now` and the first
        `waiting` of those not yet due, soonest first. The rest wait unread: the caps can
        defer a member's receipts by the dozen, and each dispatch read them all."""
        sending = {"member_id": member_id, "status": MessageStatus.SENDING.value}
        found = [message_from_doc(d) for d in await self._messages.find(sending).to_list(None)]
        pending: dict[str, Any] = {"member_id": member_id, "status": MessageStatus.PENDING.value}
        left, page = waiting, waiting + 2  # the due one that woke the dispatch, and one more
        while True:
            # Pages along the index (member_id, status, not_before, _id), resumed after the
            # last one read: a burst of messages falling due at once is read whole.
            cursor = self._messages.find(pending).sort(PENDING_ORDER).limit(page)
            docs = await cursor.to_list(length=page)
            for doc in docs:
                message = message_from_doc(doc)
                if message.not_before > now:
                    if left <= 0:
                        return _soonest_first(found)
                    left -= 1
                found.append(message)
            if len(docs) < page or (left == 0 and found[-1].not_before > now):
                return _soonest_first(found)
            last = docs[-1]
            pending["$or"] = [
                {"not_before": {"$gt": last["not_before"]}},
                {"not_before": last["not_before"], "_id": {"$gt": last["_id"]}},
            ]

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
        query = {"member_id": member_id}
        docs, more = await newest_first(self._messages, query, first, after, "list of messages")
        page = tuple((cursor, message_from_doc(d)) for cursor, d in docs)
        return MessagePage(page, has_next_page=more)
