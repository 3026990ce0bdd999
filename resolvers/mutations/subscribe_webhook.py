from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.handlers import webhooks
from domain.webhooks import WebhookEvent
from resolvers.context import Info
from schema.errors import payload
from schema.webhooks import WebhookSubscription
from workers.webhooks import webhook_work


@strawberry.input
class SubscribeWebhookInput:
    url: str = strawberry.field(description="an http:// or https:// URL to POST events to")
    events: list[WebhookEvent]
    partner: str | None = strawberry.field(
        default=None, description="a partner's endpoint: its linked members' events only"
    )


@strawberry.type
class WebhookSubscribed:
    subscription: WebhookSubscription
    secret: str = strawberry.field(
        description="the signing secret (whsec_…), shown this once: verify deliveries with it"
    )


SubscribeWebhookPayload = payload(
    "SubscribeWebhookPayload", WebhookSubscribed, failures.InvalidInput
)


async def resolve(info: Info, input: SubscribeWebhookInput) -> WebhookSubscribed:
    ctx = info.context
    ctx.require(Action.MANAGE_WEBHOOKS)
    subscriptions = webhook_work(ctx.messaging).subscriptions
    done = await webhooks.subscribe(
        ctx.ports, subscriptions, input.url, input.events, input.partner
    )
    return WebhookSubscribed(
        subscription=WebhookSubscription.of(done.subscription), secret=done.secret
    )


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=SubscribeWebhookPayload,
    description="Subscribe an endpoint to member events, signed as Standard Webhooks (admins).",
)
