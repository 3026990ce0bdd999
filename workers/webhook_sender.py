"""Posting one webhook delivery, signed as Standard Webhooks says (the `standardwebhooks`
package signs, so any of its verifiers accepts it):

    webhook-id: <delivery id>            the same on every attempt and replay: drop repeats
    webhook-timestamp: <unix seconds>    when this attempt was signed
    webhook-signature: v1,<base64 HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")>

The timestamp is wall time, whatever clock schedules the retries: receivers compare it with
their own clocks (five minutes, by default) to refuse a captured request sent again later.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from standardwebhooks.webhooks import Webhook

from domain.clock import Clock, SystemClock
from domain.webhook_deliveries import Delivery, Outcome
from storage.webhooks import MongoWebhookDeliveries, MongoWebhookSubscriptions

TIMEOUT_SECONDS = 10.0  # well inside the send lease (domain.webhook_deliveries.SEND_LEASE)
USER_AGENT = "Tessera-Webhooks/1"


def signed_headers(delivery_id: str, secret: str, body: str, wall_clock: Clock) -> dict[str, str]:
    signed_at = wall_clock.now()
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(delivery_id, signed_at, body),
    }


class WebhookSender:
    def __init__(
        self, timeout_seconds: float = TIMEOUT_SECONDS, wall_clock: Clock | None = None
    ) -> None:
        self._timeout = timeout_seconds
        self._wall_clock: Clock = wall_clock or SystemClock()

    def client(self) -> httpx.AsyncClient:
        """One client for a run of deliveries (no redirects: a 3xx is not an answer)."""
        return httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)

    async def send(
        self, client: httpx.AsyncClient, url: str, secret: str, delivery: Delivery
    ) -> Outcome:
        headers = signed_headers(delivery.id, secret, delivery.body, self._wall_clock)
        try:
            response = await client.post(url, content=delivery.body.encode(), headers=headers)
        except httpx.HTTPError as error:
            return Outcome(None, f"{type(error).__name__}: {error}"[:500])
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(status)
        return Outcome(status, f"HTTP {status} {response.text[:200]}".rstrip())


@dataclass(frozen=True)
class WebhookWork:
    """What the webhook jobs need besides the messaging context."""

    subscriptions: MongoWebhookSubscriptions
    deliveries: MongoWebhookDeliveries
    sender: WebhookSender
