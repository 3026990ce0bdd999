"""Webhook subscriptions and deliveries in MongoDB (`webhook_subscriptions`,
`webhook_deliveries`).

A delivery's id comes from its endpoint, member, version and event, so a relay that runs
twice stores it once. It moves by compare-and-set: a sender claims it with a lease
(`lease_until`, always a date: the past when free, since FerretDB and mongomock need not
agree on null), and records the outcome only while its claim still holds. Finished
deliveries carry `finished_at` and are forgotten after `KEEP_FINISHED` (a cron job), so
the collection grows with what happens in a month, not forever.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from domain.webhook_deliveries import (
    OPEN,
    SEND_LEASE,
    Delivery,
    DeliveryPage,
    DeliveryStatus,
    Outcome,
    next_attempt,
)
from domain.webhooks import Subscription, WebhookEvent
from storage.collection import Collection, Doc
from storage.documents import opt_utc, utc
from storage.outbox import insert_new
from storage.pages import newest_first

FREE = datetime(1970, 1, 1, tzinfo=UTC)  # `lease_until` of a delivery no one is sending
ACTIVE_CACHE_SECONDS = 5.0  # another instance's new subscription is heard within this
_OPEN = [s.value for s in OPEN]


def delivery_id(subscription_id: str, member_id: str, version: int, event: WebhookEvent) -> str:
    key = f"{subscription_id}:{member_id}:{version}:{event.value}"
    return "whd_" + hashlib.sha256(key.encode()).hexdigest()[:24]


class MongoWebhookSubscriptions:
    def __init__(self, subscriptions: Collection) -> None:
        self._subscriptions = subscriptions
        self._active: tuple[Subscription, ...] | None = None
        self._read_at = 0.0

    async def add(self, subscription: Subscription, secret: str) -> None:
        await self._subscriptions.insert_one({**_subscription_doc(subscription), "secret": secret})
        self._active = None

    async def remove(self, subscription_id: str, now: datetime) -> Subscription | None:
        await self._subscriptions.update_one(
            {"_id": subscription_id, "active": True},
            {"$set": {"active": False, "removed_at": now}},
        )
        self._active = None
        found = await self.get(subscription_id)
        return None if found is None else found[0]

    async def get(self, subscription_id: str) -> tuple[Subscription, str] | None:
        doc = await self._subscriptions.find_one({"_id": subscription_id})
        return None if doc is None else (_subscription_from_doc(doc), str(doc["secret"]))

    async def active(self) -> tuple[Subscription, ...]:
        """Every live subscription; read again at most every few seconds, since every event
        relayed asks (and this instance's own changes are seen at once)."""
        if self._active is None or time.monotonic() - self._read_at > ACTIVE_CACHE_SECONDS:
            found = self._subscriptions.find({"active": True}, {"secret": 0}).sort("_id", 1)
            self._active = tuple(_subscription_from_doc(d) for d in await found.to_list(None))
            self._read_at = time.monotonic()
        return self._active


class MongoWebhookDeliveries:
    def __init__(self, deliveries: Collection, members: Collection) -> None:
        self._deliveries = deliveries
        self._members = members

    async def waits_for_relay(self, member_id: str, version: int) -> bool:
        """Whether an earlier version of the member is still in its outbox: its deliveries
        may not exist yet (two changes relayed at once), so later ones wait for it."""
        doc = await self._members.find_one({"_id": member_id}, {"outbox": 1})
        return any(item["version"] < version for item in (doc or {}).get("outbox", []))

    async def add(self, deliveries: list[Delivery]) -> None:
        await insert_new(self._deliveries, [_delivery_doc(d) for d in deliveries])

    async def get(self, delivery_id: str) -> Delivery | None:
        doc = await self._deliveries.find_one({"_id": delivery_id})
        return None if doc is None else _delivery_from_doc(doc)

    async def page(
        self,
        subscription_id: str | None,
        status: DeliveryStatus | None,
        first: int,
        after: str | None,
    ) -> DeliveryPage:
        query: dict[str, Any] = {}
        if subscription_id is not None:
            query["subscription_id"] = subscription_id
        if status is not None:
            query["status"] = status.value
        docs, more = await newest_first(
            self._deliveries, query, first, after, "list of webhook deliveries"
        )
        return DeliveryPage(tuple((c, _delivery_from_doc(d)) for c, d in docs), more)

    async def next_in_line(self, subscription_id: str, member_id: str) -> Delivery | None:
        """The member's earliest delivery to this endpoint not yet delivered nor dead."""
        found = (
            self._deliveries.find(
                {
                    "subscription_id": subscription_id,
                    "member_id": member_id,
                    "status": {"$in": _OPEN},
                }
            )
            .sort([("member_version", 1), ("sequence", 1)])
            .limit(1)
        )
        docs = await found.to_list(1)
        return _delivery_from_doc(docs[0]) if docs else None

    async def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(subscription, member) pairs with a delivery whose time came, soonest first."""
        found = (
            self._deliveries.find(
                {"status": {"$in": _OPEN}, "next_attempt_at": {"$lte": now}},
                {"subscription_id": 1, "member_id": 1},
            )
            .sort([("next_attempt_at", 1), ("_id", 1)])
            .limit(limit)
        )
        pairs = [(d["subscription_id"], d["member_id"]) for d in await found.to_list(limit)]
        return list(dict.fromkeys(pairs))

    async def claim(self, delivery: Delivery, now: datetime) -> datetime | None:
        """Take `delivery` for sending, unless another sender holds it; the lease, if won."""
        lease = now + SEND_LEASE
        claimed = await self._deliveries.update_one(
            {
                "_id": delivery.id,
                "status": delivery.status.value,
                "attempts": delivery.attempts,
                "lease_until": {"$lte": now},
            },
            {"$set": {"lease_until": lease}},
        )
        return lease if claimed.modified_count == 1 else None

    async def record(
        self, delivery: Delivery, lease: datetime, outcome: Outcome, now: datetime
    ) -> Delivery | None:
        """The attempt's outcome, if the claim still holds: DELIVERED, FAILED with the next
        attempt's time, or DEAD once the 24 hours are over. The delivery as it now stands."""
        attempts = delivery.attempts + 1
        retry = None if outcome.delivered else next_attempt(attempts, delivery.retry_from, now)
        status = (
            DeliveryStatus.DELIVERED
            if outcome.delivered
            else DeliveryStatus.FAILED
            if retry is not None
            else DeliveryStatus.DEAD
        )
        fields: Doc = {
            "status": status.value,
            "attempts": attempts,
            "lease_until": FREE,
            "next_attempt_at": retry,
            "last_attempt_at": now,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if outcome.delivered:
            fields["delivered_at"] = now
        if retry is None:
            fields["finished_at"] = now
        done = await self._deliveries.update_one(
            {"_id": delivery.id, "attempts": delivery.attempts, "lease_until": lease},
            {"$set": fields},
        )
        return await self.get(delivery.id) if done.modified_count == 1 else None

    async def give_up(self, delivery: Delivery, reason: str, now: datetime) -> None:
        """Dead without an attempt: its endpoint was unsubscribed."""
        await self._deliveries.update_one(
            {"_id": delivery.id, "status": {"$in": _OPEN}},
            {
                "$set": {
                    "status": DeliveryStatus.DEAD.value,
                    "next_attempt_at": None,
                    "last_error": reason,
                    "finished_at": now,
                }
            },
        )

    async def replay(self, delivery_id: str, now: datetime) -> Delivery | None:
        """Send it again from now, with 24 hours of retries of its own."""
        await self._deliveries.update_one(
            {"_id": delivery_id},
            {
                "$set": {
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "retry_from": now,
                    "next_attempt_at": now,
                    "lease_until": FREE,
                },
                "$unset": {"finished_at": ""},
            },
        )
        return await self.get(delivery_id)

    async def forget(self, finished_before: datetime) -> int:
        result = await self._deliveries.delete_many({"finished_at": {"$lt": finished_before}})
        return int(result.deleted_count)


async def ensure_webhook_indexes(subscriptions: Collection, deliveries: Collection) -> None:
    await subscriptions.create_index("active")
    # The next delivery of a member to an endpoint, in version order.
    await deliveries.create_index(
        [("subscription_id", 1), ("member_id", 1), ("member_version", 1), ("sequence", 1)]
    )
    await deliveries.create_index([("status", 1), ("next_attempt_at", 1)])  # due()
    # Admins page newest first: all, by endpoint, by status.
    await deliveries.create_index([("created_at", -1), ("_id", -1)])
    await deliveries.create_index([("subscription_id", 1), ("created_at", -1), ("_id", -1)])
    await deliveries.create_index([("status", 1), ("created_at", -1), ("_id", -1)])
    await deliveries.create_index("finished_at", sparse=True)  # forget()


def _subscription_doc(subscription: Subscription) -> Doc:
    return {
        "_id": subscription.id,
        "url": subscription.url,
        "events": [e.value for e in subscription.events],
        "partner": subscription.partner,
        "created_at": subscription.created_at,
        "active": subscription.active,
    }


def _subscription_from_doc(doc: Doc) -> Subscription:
    return Subscription(
        id=doc["_id"],
        url=doc["url"],
        events=tuple(WebhookEvent(e) for e in doc["events"]),
        partner=doc.get("partner"),
        created_at=utc(doc["created_at"]),
        active=bool(doc["active"]),
    )


def _delivery_doc(delivery: Delivery) -> Doc:
    return {
        "_id": delivery.id,
        "subscription_id": delivery.subscription_id,
        "partner": delivery.partner,
        "member_id": delivery.member_id,
        "member_version": delivery.member_version,
        "sequence": delivery.sequence,
        "event": delivery.event.value,
        "body": delivery.body,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "retry_from": delivery.retry_from,
        "next_attempt_at": delivery.next_attempt_at,
        "lease_until": FREE,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
    }


def _delivery_from_doc(doc: Doc) -> Delivery:
    return Delivery(
        id=doc["_id"],
        subscription_id=doc["subscription_id"],
        member_id=doc["member_id"],
        member_version=int(doc["member_version"]),
        sequence=int(doc["sequence"]),
        event=WebhookEvent(doc["event"]),
        body=doc["body"],
        status=DeliveryStatus(doc["status"]),
        attempts=int(doc["attempts"]),
        created_at=utc(doc["created_at"]),
        retry_from=utc(doc["retry_from"]),
        next_attempt_at=opt_utc(doc.get("next_attempt_at")),
        last_attempt_at=opt_utc(doc.get("last_attempt_at")),
        last_status_code=doc.get("last_status_code"),
        last_error=doc.get("last_error"),
        delivered_at=opt_utc(doc.get("delivered_at")),
        partner=doc.get("partner"),
    )
