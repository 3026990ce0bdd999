from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from resolvers.context import Info
from schema.errors import payload
from schema.webhooks import WebhookDelivery
from workers.webhooks import replay_delivery


@strawberry.input
class ReplayWebhookDeliveryInput:
    id: strawberry.ID


@strawberry.type
class WebhookDeliveryReplayed:
    delivery: WebhookDelivery


ReplayWebhookDeliveryPayload = payload(
    "ReplayWebhookDeliveryPayload",
    WebhookDeliveryReplayed,
    failures.WebhookDeliveryNotFound,
    failures.InvalidInput,
)


async def resolve(info: Info, input: ReplayWebhookDeliveryInput) -> WebhookDeliveryReplayed:
    ctx = info.context
    ctx.require(Action.MANAGE_WEBHOOKS)
    replayed = await replay_delivery(ctx.messaging, str(input.id))
    return WebhookDeliveryReplayed(delivery=WebhookDelivery.of(replayed))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=ReplayWebhookDeliveryPayload,
    description="Send a delivery again (a dead one, say), with 24 hours of retries (admins).",
)
