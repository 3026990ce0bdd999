"""Event webhooks as admins see them: the endpoints subscribed, and each delivery with how
its attempts went."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain import webhook_deliveries as deliveries
from domain import webhooks as domain
from schema.member import PageInfo

WebhookEvent = strawberry.enum(domain.WebhookEvent, description="What a webhook tells")
DeliveryStatus = strawberry.enum(
    deliveries.DeliveryStatus,
    name="WebhookDeliveryStatus",
    description=(
        "PENDING until its first attempt, FAILED while it waits to try again, DELIVERED "
        "once the endpoint answered 2xx, DEAD after 24 hours of failures"
    ),
)


@strawberry.type(description="An endpoint that receives the events it subscribed to")
class WebhookSubscription:
    id: strawberry.ID
    url: str
    events: list[domain.WebhookEvent]
    partner: str | None = strawberry.field(
        description="a partner's endpoint hears only its linked members, as its policy allows"
    )
    created_at: datetime
    active: bool

    @classmethod
    def of(cls, subscription: domain.Subscription) -> WebhookSubscription:
        return cls(
            id=strawberry.ID(subscription.id),
            url=subscription.url,
            events=list(subscription.events),
            partner=subscription.partner,
            created_at=subscription.created_at,
            active=subscription.active,
        )


@strawberry.type(description="One event for one endpoint, and how its attempts went")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="also its webhook-id header")
    subscription_id: strawberry.ID
    partner: str | None
    member_id: strawberry.ID
    member_version: int
    event: domain.WebhookEvent
    status: deliveries.DeliveryStatus
    attempts: int = strawberry.field(description="made since its 24 hours (re)started")
    created_at: datetime
    next_attempt_at: datetime | None = strawberry.field(description="null once finished")
    last_attempt_at: datetime | None
    last_status_code: int | None = strawberry.field(
        description="the endpoint's HTTP status at the last attempt; null: no answer"
    )
    last_error: str | None
    delivered_at: datetime | None
    payload: str = strawberry.field(description="the JSON body, exactly as signed and sent")

    @classmethod
    def of(cls, delivery: deliveries.Delivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(delivery.id),
            subscription_id=strawberry.ID(delivery.subscription_id),
            partner=delivery.partner,
            member_id=strawberry.ID(delivery.member_id),
            member_version=delivery.member_version,
            event=delivery.event,
            status=delivery.status,
            attempts=delivery.attempts,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
            last_attempt_at=delivery.last_attempt_at,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            payload=delivery.body,
        )


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: deliveries.DeliveryPage) -> WebhookDeliveryConnection:
        edges = [
            WebhookDeliveryEdge(cursor=c, node=WebhookDelivery.of(d)) for c, d in page.deliveries
        ]
        return cls(
            edges=edges, page_info=PageInfo.of([e.cursor for e in edges], page.has_next_page)
        )
