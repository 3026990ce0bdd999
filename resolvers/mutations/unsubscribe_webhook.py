from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.handlers import webhooks
from resolvers.context import Info
from schema.errors import payload
from schema.webhooks import WebhookSubscription
from workers.webhooks import webhook_work


@strawberry.input
class UnsubscribeWebhookInput:
    id: strawberry.ID


@strawberry.type
class WebhookUnsubscribed:
    subscription: WebhookSubscription


UnsubscribeWebhookPayload = payload(
    "UnsubscribeWebhookPayload",
    WebhookUnsubscribed,
    failures.WebhookSubscriptionNotFound,
    failures.InvalidInput,
)


async def resolve(info: Info, input: UnsubscribeWebhookInput) -> WebhookUnsubscribed:
    ctx = info.context
    ctx.require(Action.MANAGE_WEBHOOKS)
    subscriptions = webhook_work(ctx.messaging).subscriptions
    removed = await webhooks.unsubscribe(ctx.ports, subscriptions, str(input.id))
    return WebhookUnsubscribed(subscription=WebhookSubscription.of(removed))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=UnsubscribeWebhookPayload,
    description="Stop an endpoint's events; its deliveries still waiting become DEAD (admins).",
)
