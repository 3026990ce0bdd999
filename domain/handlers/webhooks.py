"""Subscribing an endpoint to events, and unsubscribing it (admins)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import WebhookSubscriptionNotFound
from domain.partners import partner_named
from domain.ports import Ports
from domain.validation import optional_id, require_id
from domain.webhook_deliveries import WebhookSubscriptions
from domain.webhooks import (
    Subscription,
    WebhookEvent,
    chosen_events,
    endpoint_url,
    new_secret,
)


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: Subscription
    secret: str  # shown once: only the admin who subscribed ever sees it


async def subscribe(
    ports: Ports,
    subscriptions: WebhookSubscriptions,
    url: str,
    events: list[WebhookEvent],
    partner: str | None,
) -> Subscribed:
    subscription = Subscription(
        id=ports.new_id("whs"),
        url=endpoint_url(url),
        events=chosen_events(events),
        partner=partner_of(ports, optional_id("partner", partner)),
        created_at=ports.clock.now(),
    )
    secret = new_secret()
    await subscriptions.add(subscription, secret)
    return Subscribed(subscription, secret)


def partner_of(ports: Ports, partner: str | None) -> str | None:
    """A partner of the program (its endpoint hears its linked members' events only,
    filtered by its field policy: `domain.partner_webhooks`)."""
    return None if partner is None else partner_named(ports.program, partner).name


async def unsubscribe(
    ports: Ports, subscriptions: WebhookSubscriptions, subscription_id: str
) -> Subscription:
    found = await subscriptions.remove(require_id("id", subscription_id), ports.clock.now())
    if found is None:
        raise WebhookSubscriptionNotFound(f"no webhook subscription {subscription_id}")
    return found
