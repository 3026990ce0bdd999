"""The webhook queries (admins): the endpoints subscribed, and their deliveries."""

from __future__ import annotations

import strawberry

from domain.access import Action
from domain.errors import InvalidInput
from domain.validation import optional_id
from domain.webhook_deliveries import DeliveryStatus
from resolvers.context import Info
from schema.errors import BadRequest
from schema.webhooks import WebhookDeliveryConnection, WebhookSubscription
from workers.webhooks import webhook_work

DEFAULT_PAGE = 20


async def subscriptions(info: Info) -> list[WebhookSubscription]:
    ctx = info.context
    ctx.require(Action.MANAGE_WEBHOOKS)
    found = await webhook_work(ctx.messaging).subscriptions.active()
    return [WebhookSubscription.of(s) for s in found]


async def deliveries(
    info: Info,
    subscription: strawberry.ID | None = None,
    status: DeliveryStatus | None = None,
    first: int = DEFAULT_PAGE,
    after: str | None = None,
) -> WebhookDeliveryConnection:
    ctx = info.context
    ctx.require(Action.MANAGE_WEBHOOKS)
    try:
        subscription_id = optional_id("subscription", subscription)
        page = await webhook_work(ctx.messaging).deliveries.page(
            subscription_id, status, first, after
        )
    except InvalidInput as exc:
        raise BadRequest(exc.message, {"field": exc.field}) from None
    return WebhookDeliveryConnection.of(page)


subscriptions_field = strawberry.field(
    resolver=subscriptions, description="Endpoints subscribed to events (admins), oldest first."
)
deliveries_field = strawberry.field(
    resolver=deliveries,
    description="Webhook deliveries (admins), newest first: all, one endpoint's, or by status.",
)
