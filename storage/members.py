"""The member collection (aggregate with version check and outbox) and the unique keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from domain.clock import Clock
from domain.events import Commit
from domain.member import Member
from domain.ports import Claim
from storage.changes import changed_fields
from storage.collection import Collection
from storage.documents import member_from_doc, member_to_doc
from storage.entry_records import outbox_item
from storage.outbox import PENDING

_NO_OUTBOX = {"outbox": 0}


class MongoMemberStore:
    def __init__(self, members: Collection) -> None:
        self._members = members

    async def get(self, member_id: str) -> Member | None:
        doc = await self._members.find_one({"_id": member_id}, _NO_OUTBOX)
        return None if doc is None else member_from_doc(doc)

    async def create(self, commit: Commit) -> None:
        doc = member_to_doc(commit.member)
        doc["outbox"] = [outbox_item(commit)]
        doc[PENDING] = True  # the outbox sweep's index (storage.outbox)
        await self._members.insert_one(doc)

    async def save(self, commit: Commit) -> bool:
        # One atomic single-document update: what changed, version + 1, and the outbox item.
        # Only the fields that differ from the member as read are sent: a purchase rewrites
        # its batches, days and requests, not the identifiers, vouchers and the rest.
        fields = changed_fields(member_to_doc(commit.previous), member_to_doc(commit.member))
        fields[PENDING] = True  # the outbox sweep's index (storage.outbox)
        result = await self._members.update_one(
            {"_id": commit.member.id, "version": commit.expected_version},
            {"$set": fields, "$push": {"outbox": outbox_item(commit)}},
        )
        return bool(result.modified_count == 1)


class MongoKeyRegistry:
    def __init__(self, keys: Collection, clock: Clock) -> None:
        self._keys = keys
        self._clock = clock

    async def owner_of(self, key: str) -> str | None:
        doc = await self._keys.find_one({"_id": key})
        return None if doc is None else str(doc["member_id"])

    async def claim(self, key: str, member_id: str) -> str:
        try:
            await self._keys.insert_one(
                {"_id": key, "member_id": member_id, "claimed_at": self._clock.now()}
            )
            return member_id
        except DuplicateKeyError:
            owner = await self.owner_of(key)
            return owner if owner is not None else await self.claim(key, member_id)

    async def claim_for(self, key: str, member_id: str, request: str) -> Claim:
        doc = {"_id": key, "member_id": member_id, "claimed_at": self._clock.now()}
        try:
            await self._keys.insert_one({**doc, "request": request})
            return Claim(member_id, request, fresh=True)
        except DuplicateKeyError:
            held = await self._keys.find_one({"_id": key})
            if held is None:  # released in between: try again
                return await self.claim_for(key, member_id, request)
            return Claim(str(held["member_id"]), held.get("request"), fresh=False)

    async def take_over(
        self, key: str, stale_owner: str, member_id: str, claimed_before: datetime
    ) -> bool:
        result = await self._keys.update_one(
            {"_id": key, "member_id": stale_owner, "claimed_at": {"$lt": claimed_before}},
            {"$set": {"member_id": member_id, "claimed_at": self._clock.now()}},
        )
        return bool(result.modified_count == 1)

    async def release(self, key: str, member_id: str) -> None:
        await self._keys.delete_one({"_id": key, "member_id": member_id})

    async def repoint(self, from_ids: Sequence[str], to_id: str) -> None:
        await self._keys.update_many(
            {"member_id": {"$in": list(from_ids)}}, {"$set": {"member_id": to_id}}
        )
