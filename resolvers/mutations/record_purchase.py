from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from app.auth import Action
from domain.channel import Channel
from domain.commands import RecordPurchase
from domain.handlers import record_purchase
from resolvers.context import Info
from resolvers.outcome import attempt
from schema.errors import (
    Error,
    IdempotencyKeyReused,
    InvalidInput,
    MemberBusy,
    MemberNotFound,
    OrderAlreadyRecorded,
    UnsupportedCurrency,
)
from schema.inputs import MemberRefInput
from schema.member import LedgerEntry, Member


@strawberry.input
class RecordPurchaseInput:
    member: MemberRefInput
    order_id: str
    amount: Decimal
    currency: str
    channel: Channel
    store_id: str | None = None
    idempotency_key: str


@strawberry.type
class PointsEarned:
    member: Member
    entry: LedgerEntry


RecordPurchasePayload = Annotated[
    PointsEarned
    | MemberNotFound
    | UnsupportedCurrency
    | OrderAlreadyRecorded
    | IdempotencyKeyReused
    | InvalidInput
    | MemberBusy,
    strawberry.union("RecordPurchasePayload"),
]


async def resolve(info: Info, input: RecordPurchaseInput) -> PointsEarned | Error:
    ctx = info.context
    principal = ctx.require(Action.RECORD_PURCHASE)
    cmd = RecordPurchase(
        member=input.member.to_domain(),
        order_id=input.order_id,
        amount=input.amount,
        currency=input.currency,
        channel=input.channel,
        store_id=ctx.store_for(principal, input.store_id),
        idempotency_key=input.idempotency_key,
    )
    result = await attempt(record_purchase.handle(cmd, ctx.ports))
    if isinstance(result, Error):
        return result
    return PointsEarned(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=RecordPurchasePayload,
    description="Earn points for a purchase. Retrying with the same idempotencyKey is safe.",
)
