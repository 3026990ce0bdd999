"""Event webhooks: the reaction that turns a member event into deliveries, and the jobs that
deliver them.

`WebhookTrigger` is the `WEBHOOKS` reaction (domain.reactions). The outbox relay hands it
each committed event; it stores one delivery per subscribed endpoint and webhook event,
before the relay clears the event from the member's outbox, so nothing relayed is left
undelivered. Then it queues a `deliver_webhooks` job per endpoint and member.

The job delivers that member's deliveries to that endpoint one at a time, in version order,
each claimed with a lease so that of two senders one sends. A failure schedules the next
attempt (exponential backoff, 24 hours, then DEAD) as a job for then; the cron job
`deliver_webhooks_due` finds whatever is due and was not queued (a process that stopped,
an in-process job lost), so every delivery is made at least once.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta
from typing import Any

import orjson

from domain.clock import Clock
from domain.errors import WebhookDeliveryNotFound
from domain.events import MemberChanged
from domain.ledger import EntryKind
from domain.member import Member
from domain.partner_webhooks import partner_payload
from domain.ports import Ports
from domain.validation import require_id
from domain.webhook_deliveries import KEEP_FINISHED, Delivery, DeliveryStatus
from domain.webhooks import (
    Subscription,
    Voucher,
    WebhookEvent,
    WebhookFacts,
    events_of,
    payload,
)
from storage.webhooks import delivery_id
from workers.context import Messaging
from workers.queue import JobQueue
from workers.webhook_sender import WebhookWork

log = logging.getLogger(__name__)

DELIVER = "deliver_webhooks"
WAIT_FOR_RELAY = timedelta(seconds=1)  # an earlier change of the member not yet relayed
MAX_PER_RUN = 100  # deliveries one job sends; the next job or the cron job goes on
MAX_SECONDS_PER_RUN = 60.0
DUE_PER_RUN = 500  # (endpoint, member) pairs the cron job wakes per run


class WebhookTrigger:
    """An `EventPublisher`: stores the deliveries an event makes and queues their jobs."""

    def __init__(self, work: WebhookWork, queue: JobQueue) -> None:
        self._work = work
        self._queue = queue
        self._bound: Ports | None = None

    def bind(self, ports: Ports) -> None:
        """The ports it reads with; made after the relay that calls it, hence bound later."""
        self._bound = ports

    @property
    def _ports(self) -> Ports:
        assert self._bound is not None, "WebhookTrigger.bind() was not called"
        return self._bound

    async def publish(self, event: MemberChanged) -> None:
        subscriptions = await self._work.subscriptions.active()
        if not subscriptions:  # the common case costs nothing but a cached read
            return
        facts, member = await self._facts(event, subscriptions)
        kinds = events_of(facts)
        now = self._ports.clock.now()
        deliveries = []
        for subscription in subscriptions:
            for sequence, kind in enumerate(kinds):
                body = self._body(facts, kind, subscription, member)
                if body is None:
                    continue
                deliveries.append(
                    Delivery(
                        id=delivery_id(subscription.id, event.member_id, event.version, kind),
                        subscription_id=subscription.id,
                        member_id=event.member_id,
                        member_version=event.version,
                        sequence=sequence,
                        event=kind,
                        body=orjson.dumps(body).decode(),
                        status=DeliveryStatus.PENDING,
                        attempts=0,
                        created_at=now,
                        retry_from=now,
                        next_attempt_at=now,
                        partner=subscription.partner,
                    )
                )
        if not deliveries:
            return
        await self._work.deliveries.add(deliveries)
        for subscription_id in dict.fromkeys(d.subscription_id for d in deliveries):
            await self._queue.enqueue(
                DELIVER,
                job_id=f"webhooks:{subscription_id}:{event.member_id}:{event.version}",
                subscription_id=subscription_id,
                member_id=event.member_id,
            )

    def _body(
        self,
        facts: WebhookFacts,
        kind: WebhookEvent,
        subscription: Subscription,
        member: Member | None,
    ) -> dict[str, Any] | None:
        """What this endpoint receives of webhook event `kind`, if it hears it."""
        if not subscription.hears(kind):
            return None
        if subscription.partner is None:
            return payload(facts, kind)
        program = self._ports.program
        return partner_payload(facts, kind, member, program, subscription.partner)

    async def _facts(
        self, event: MemberChanged, subscriptions: tuple[Subscription, ...]
    ) -> tuple[WebhookFacts, Member | None]:
        """The event's entry (relayed to the ledger just before), what its order paid in
        points, its voucher, and the member when a partner's endpoint listens (to know
        whether it is linked there): read only when some endpoint listens."""
        ports = self._ports
        entry = None if event.entry_id is None else await ports.ledger.entry(event.entry_id)
        points_paid = 0
        if event.cause is EntryKind.EARNED and event.entry_id is not None:
            order = await ports.recorded.order_entry(event.entry_id)
            points_paid = order.points_paid if order is not None else 0
        voucher, member = None, None
        if event.member_reward_id is not None or any(s.partner for s in subscriptions):
            member = await ports.members.get(event.member_id)
        if event.member_reward_id is not None:
            issued = next(
                (r for r in (member.rewards if member else ()) if r.id == event.member_reward_id),
                None,
            )
            voucher = Voucher(
                event.member_reward_id,
                issued.reward_id if issued else None,
                issued.code if issued else None,
            )
        relayed_at = ports.clock.now()
        return WebhookFacts(event, entry, points_paid, voucher, relayed_at), member


async def deliver_webhooks(messaging: Messaging, *, subscription_id: str, member_id: str) -> int:
    """The job: send the member's due deliveries to one endpoint, in version order; how
    many were sent."""
    work = messaging.webhooks
    if work is None:
        return 0
    clock = messaging.clock
    sent, started = 0, time.monotonic()
    async with work.sender.client() as client:
        while sent < MAX_PER_RUN and time.monotonic() - started < MAX_SECONDS_PER_RUN:
            delivery = await work.deliveries.next_in_line(subscription_id, member_id)
            now = clock.now()
            if delivery is None or (delivery.next_attempt_at or now) > now:
                return sent  # nothing left, or its time has not come: a job waits for it
            if await work.deliveries.waits_for_relay(member_id, delivery.member_version):
                await _wake(messaging.queue, delivery, clock, WAIT_FOR_RELAY, "relay")
                return sent
            found = await work.subscriptions.get(subscription_id)
            if found is None or not found[0].active:
                await work.deliveries.give_up(delivery, "the subscription was removed", now)
                continue
            subscription, secret = found
            lease = await work.deliveries.claim(delivery, now)
            if lease is None:
                return sent  # another sender has it, and the ones after it
            outcome = await work.sender.send(client, subscription.url, secret, delivery)
            sent += 1
            after = await work.deliveries.record(delivery, lease, outcome, clock.now())
            if after is None:
                return sent  # the lease ran out meanwhile: another sender took over
            if after.status is DeliveryStatus.FAILED:
                await _retry_later(messaging.queue, after)
                return sent
            if after.status is DeliveryStatus.DEAD:
                log.warning("webhook %s to %s is dead: %s", after.id, subscription.url, outcome)
    return sent


async def _retry_later(queue: JobQueue, delivery: Delivery) -> None:
    assert delivery.next_attempt_at is not None
    await queue.enqueue(
        DELIVER,
        # Unique per attempt of each 24 hours: arq keeps a job id for a day after it ran.
        job_id=f"webhooks:{delivery.id}:{delivery.retry_from.timestamp()}:{delivery.attempts}",
        at=delivery.next_attempt_at,
        subscription_id=delivery.subscription_id,
        member_id=delivery.member_id,
    )


async def _wake(
    queue: JobQueue, delivery: Delivery, clock: Clock, wait: timedelta, why: str
) -> None:
    await queue.enqueue(
        DELIVER,
        job_id=f"webhooks:{delivery.id}:{delivery.attempts}:{why}",
        at=clock.now() + wait,
        subscription_id=delivery.subscription_id,
        member_id=delivery.member_id,
    )


async def deliver_webhooks_due(messaging: Messaging) -> int:
    """The cron job: queue a delivery job for every endpoint and member with a delivery
    due (one whose job was lost, or whose sender died); how many were queued."""
    work = messaging.webhooks
    if work is None:
        return 0
    pairs = await work.deliveries.due(messaging.clock.now(), DUE_PER_RUN)
    for subscription_id, member_id in pairs:
        # A wake-up for now is always queued (as dispatch's): one deduplicated against a
        # job already running could miss the delivery that job has passed.
        await messaging.queue.enqueue(
            DELIVER,
            job_id=f"webhooks:{subscription_id}:{member_id}:due:{secrets.token_hex(6)}",
            subscription_id=subscription_id,
            member_id=member_id,
        )
    return len(pairs)


async def forget_webhook_deliveries(messaging: Messaging) -> int:
    """The cron job: drop deliveries delivered or dead for longer than `KEEP_FINISHED`."""
    work = messaging.webhooks
    if work is None:
        return 0
    return await work.deliveries.forget(messaging.clock.now() - KEEP_FINISHED)


async def replay_delivery(messaging: Messaging, delivery_id: str) -> Delivery:
    """An admin's replay: the delivery is sent again from now, with 24 hours of retries of
    its own and the same webhook-id (a receiver that processed it already drops it)."""
    work = webhook_work(messaging)
    replayed = await work.deliveries.replay(require_id("id", delivery_id), messaging.clock.now())
    if replayed is None:
        raise WebhookDeliveryNotFound(f"no webhook delivery {delivery_id}")
    await messaging.queue.enqueue(
        DELIVER,
        job_id=f"webhooks:{replayed.id}:replay:{secrets.token_hex(6)}",
        subscription_id=replayed.subscription_id,
        member_id=replayed.member_id,
    )
    return replayed


def webhook_work(messaging: Messaging) -> WebhookWork:
    assert messaging.webhooks is not None, "webhooks are wired in app.wiring"
    return messaging.webhooks
