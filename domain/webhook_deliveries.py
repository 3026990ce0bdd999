"""Delivering a webhook: one delivery per endpoint and event, retried with exponential
backoff for 24 hours, then dead-lettered.

A delivery is PENDING until its first attempt, FAILED while it waits to try again,
DELIVERED once the endpoint answered 2xx, and DEAD when its 24 hours ran out (an admin may
replay it: a fresh 24 hours). Per endpoint and member, deliveries go out in member-version
order: a later one waits while an earlier one is PENDING or FAILED (a DEAD one no longer
holds the member's later events back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from domain.webhooks import Subscription, WebhookEvent

RETRY_FOR = timedelta(hours=24)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=2)  # 30 s, 1 min, 2 min ... 64 min, then every 2 hours
# A delivery claimed this long ago whose sender never said how it went lost its sender
# (a worker killed mid-request): another sends it again, with the same webhook-id.
SEND_LEASE = timedelta(seconds=60)
KEEP_FINISHED = timedelta(days=30)  # delivered and dead deliveries, for admins to look at


class DeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    DEAD = "DEAD"


OPEN = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str  # also the `webhook-id` header: the same on every attempt and replay
    subscription_id: str
    member_id: str
    member_version: int
    sequence: int  # its place among the webhook events of one member version
    event: WebhookEvent
    body: str  # the JSON payload, exactly as signed and sent
    status: DeliveryStatus
    attempts: int  # made since its 24 hours began
    created_at: datetime
    retry_from: datetime  # when its 24 hours began (creation, or the last replay)
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None  # the endpoint's HTTP status (None: no answer)
    last_error: str | None = None
    delivered_at: datetime | None = None
    partner: str | None = None


def next_attempt(attempts: int, retry_from: datetime, now: datetime) -> datetime | None:
    """After `attempts` failed attempts, when to try again; None once 24 hours have passed
    (dead). The last wait is cut short so that one attempt falls on the 24th hour."""
    deadline = retry_from + RETRY_FOR
    if now >= deadline:
        return None
    doublings: int = min(max(attempts - 1, 0), 20)
    wait = min(FIRST_RETRY * (1 << doublings), LONGEST_WAIT)
    return min(now + wait, deadline)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: a 2xx, another status, or no answer at all."""

    status_code: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    deliveries: tuple[tuple[str, Delivery], ...]  # (cursor, delivery), newest first
    has_next_page: bool


class WebhookSubscriptions(Protocol):
    async def add(self, subscription: Subscription, secret: str) -> None: ...

    async def remove(self, subscription_id: str, now: datetime) -> Subscription | None:
        """Stop it (its deliveries still waiting go DEAD when their turn comes)."""
        ...

    async def get(self, subscription_id: str) -> tuple[Subscription, str] | None:
        """The subscription and its secret (None: there is no such subscription)."""
        ...

    async def active(self) -> tuple[Subscription, ...]: ...


class WebhookDeliveries(Protocol):
    async def add(self, deliveries: list[Delivery]) -> None:
        """Store new deliveries; those stored already (a relay repeated) are left as they
        are."""
        ...

    async def get(self, delivery_id: str) -> Delivery | None: ...

    async def page(
        self,
        subscription_id: str | None,
        status: DeliveryStatus | None,
        first: int,
        after: str | None,
    ) -> DeliveryPage: ...

    async def replay(self, delivery_id: str, now: datetime) -> Delivery | None: ...
