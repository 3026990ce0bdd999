"""The messaging_profiles collection: one document per member with consent, preferences,
engagement per channel and recent sends.

Consent and preferences are single-field writes; engagement changes are read-modify-write
through the pure `record_outcome`, so they go by compare-and-set on a version.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.errors import MemberBusy
from domain.messaging.caps import SentMessage
from domain.messaging.channels import (
    ChannelEngagement,
    DeliveryOutcome,
    address_changed,
    record_outcome,
)
from domain.messaging.consent import Consent, MessagingProfile
from domain.messaging.journeys import MessageChannel
from domain.messaging.policy import MAX_CAP
from domain.messaging.profile_store import MemberMessaging
from storage.cancellation import to_the_end
from storage.collection import Collection
from storage.documents import utc

SENDS_KEPT = MAX_CAP  # the caps count at most this many sends; `policy_file` refuses more
MAX_ATTEMPTS = 32
TURN = "dispatch_turn"  # {token, until, again}: see `ProfileStore.take_dispatch_turn`


def _engagement_from_doc(channel: str, doc: dict[str, Any]) -> ChannelEngagement:
    return ChannelEngagement(
        MessageChannel(channel), doc["engaged"], doc["ignored"], doc["failures_in_a_row"]
    )


def messaging_from_doc(member_id: str, doc: dict[str, Any] | None) -> MemberMessaging:
    doc = doc or {}
    return MemberMessaging(
        profile=MessagingProfile(
            member_id=member_id,
            consents=tuple(
                (MessageChannel(ch), Consent(c)) for ch, c in doc.get("consents", {}).items()
            ),
            time_zone=doc.get("time_zone"),
            preferred=tuple(MessageChannel(ch) for ch in doc.get("preferred", [])),
        ),
        engagement=tuple(
            _engagement_from_doc(ch, e) for ch, e in doc.get("engagement", {}).items()
        ),
        recent=tuple(
            SentMessage(MessageChannel(s["channel"]), utc(s["sent_at"]))
            for s in doc.get("sends", [])
        ),
    )


class MongoProfileStore:
    def __init__(self, profiles: Collection) -> None:
        self._profiles = profiles

    async def get(self, member_id: str) -> MemberMessaging:
        return messaging_from_doc(member_id, await self._profiles.find_one({"_id": member_id}))

    async def _set(self, member_id: str, fields: dict[str, Any]) -> MemberMessaging:
        await self._profiles.update_one(
            {"_id": member_id}, {"$set": fields, "$inc": {"version": 1}}, upsert=True
        )
        return await self.get(member_id)

    async def set_consent(
        self, member_id: str, channel: MessageChannel, consent: Consent
    ) -> MemberMessaging:
        return await self._set(member_id, {f"consents.{channel.value}": consent.value})

    async def set_preferences(
        self,
        member_id: str,
        time_zone: str | None,
        preferred: tuple[MessageChannel, ...] | None,
    ) -> MemberMessaging:
        fields: dict[str, Any] = {}
        if time_zone is not None:
            fields["time_zone"] = time_zone
        if preferred is not None:
            fields["preferred"] = [ch.value for ch in preferred]
        return await self._set(member_id, fields) if fields else await self.get(member_id)

    async def record_send(
        self, member_id: str, message_id: str, channel: MessageChannel, at: datetime
    ) -> None:
        send = {"message_id": message_id, "channel": channel.value, "sent_at": at}
        # A duplicate key means the profile exists and already counts this message.
        with contextlib.suppress(DuplicateKeyError):
            await self._profiles.update_one(
                {"_id": member_id, "sends.message_id": {"$ne": message_id}},
                {"$push": {"sends": {"$each": [send], "$slice": -SENDS_KEPT}}},
                upsert=True,
            )

    async def record_outcome(
        self,
        member_id: str,
        channel: MessageChannel,
        before: DeliveryOutcome | None,
        after: DeliveryOutcome,
    ) -> None:
        await self._change_engagement(
            member_id, channel, lambda current: record_outcome(current, before, after)
        )

    async def record_new_address(self, member_id: str, channel: MessageChannel) -> None:
        await self._change_engagement(member_id, channel, address_changed)

    async def _change_engagement(
        self,
        member_id: str,
        channel: MessageChannel,
        change: Callable[[ChannelEngagement], ChannelEngagement],
    ) -> None:
        field = f"engagement.{channel.value}"
        for _ in range(MAX_ATTEMPTS):
            doc = await self._profiles.find_one({"_id": member_id}) or {}
            raw = doc.get("engagement", {}).get(channel.value)
            current = (
                _engagement_from_doc(channel.value, raw) if raw else ChannelEngagement(channel)
            )
            updated = change(current)
            if updated == current:
                return
            value = {
                "engaged": updated.engaged,
                "ignored": updated.ignored,
                "failures_in_a_row": updated.failures_in_a_row,
            }
            version = doc.get("version")
            # No version yet (no profile, or one only `record_send` wrote): match that state,
            # not `version: null`, which an upsert would copy into the new document and $inc
            # could not then add to.
            expected = {"$exists": False} if version is None else version
            try:
                result = await self._profiles.update_one(
                    {"_id": member_id, "version": expected},
                    {"$set": {field: value}, "$inc": {"version": 1}},
                    upsert=version is None,
                )
            except DuplicateKeyError:
                continue  # created by someone else in between: read it again
            if result.modified_count == 1 or result.upserted_id is not None:
                return
        raise MemberBusy("messaging profile is being changed by many writers at once")

    async def take_dispatch_turn(
        self, member_id: str, token: str, now: datetime, until: datetime
    ) -> datetime | None:
        turn = {"token": token, "until": until}
        for _ in range(MAX_ATTEMPTS):
            free = {"$or": [{TURN: None}, {f"{TURN}.until": {"$lte": now}}]}
            try:  # no profile yet: the upsert makes one; a held turn: the _id is taken
                await self._take(member_id, token, free, turn)
                return None
            except DuplicateKeyError:
                pass
            doc = await self._profiles.find_one({"_id": member_id}, {TURN: 1})
            held = (doc or {}).get(TURN)
            if held is None or utc(held["until"]) <= now:
                continue  # let go (or lapsed) in between: take it
            asked = await self._profiles.update_one(
                {"_id": member_id, f"{TURN}.token": held["token"]},
                {"$set": {f"{TURN}.again": True}},
            )
            if asked.matched_count == 1:
                return utc(held["until"])
        raise MemberBusy("messaging profile is being changed by many writers at once")

    async def _take(
        self, member_id: str, token: str, free: dict[str, Any], turn: dict[str, Any]
    ) -> None:
        """The take's write. Cut short by a shutdown, it may have landed all the same, and a
        turn its taker never knew it held would keep the member's messages back for a whole
        lease (the next dispatch finds it held and waits it out): it is dropped by its token.
        The take is not run to its end first, as a lock's writes are: a task of its own for
        every take made a dispatch about 14% dearer with 500 at once, and a take still on
        its way after the drop is a much narrower case than one that landed."""
        try:
            await self._profiles.update_one(
                {"_id": member_id, **free}, {"$set": {TURN: turn}}, upsert=True
            )
        except asyncio.CancelledError:
            await to_the_end(self.drop_dispatch_turn(member_id, token))
            raise

    async def keep_dispatch_turn(self, member_id: str, token: str, until: datetime) -> bool:
        kept = await self._profiles.update_one(
            {"_id": member_id, f"{TURN}.token": token}, {"$set": {f"{TURN}.until": until}}
        )
        return bool(kept.matched_count == 1)

    async def end_dispatch_turn(self, member_id: str, token: str, again_until: datetime) -> bool:
        ended = await self._profiles.update_one(
            {"_id": member_id, f"{TURN}.token": token, f"{TURN}.again": {"$ne": True}},
            {"$unset": {TURN: ""}},
        )
        if ended.matched_count == 1:
            return True
        # Asked again (or the turn lapsed and went to another dispatch, which then looks).
        kept = await self._profiles.update_one(
            {"_id": member_id, f"{TURN}.token": token},
            {"$set": {f"{TURN}.until": again_until}, "$unset": {f"{TURN}.again": ""}},
        )
        return bool(kept.matched_count == 0)

    async def drop_dispatch_turn(self, member_id: str, token: str) -> None:
        await self._profiles.update_one(
            {"_id": member_id, f"{TURN}.token": token}, {"$unset": {TURN: ""}}
        )
