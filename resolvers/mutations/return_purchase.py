from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from app.auth import Action
from domain.commands import ReturnPurchase
from domain.handlers import return_purchase
from resolvers.context import Info
from resolvers.outcome import attempt
from schema.errors import (
    Error,
    IdempotencyKeyReused,
    InvalidInput,
    MemberBusy,
    OrderNotFound,
    ReturnExceedsPurchase,
)
from schema.member import LedgerEntry, Member


@strawberry.input
class ReturnPurchaseInput:
    order_id: str
    amount: Decimal = strawberry.field(description="the amount returned, in the order's currency")
    idempotency_key: str


@strawberry.type
class PurchaseReturned:
    member: Member
    entry: LedgerEntry


ReturnPurchasePayload = Annotated[
    PurchaseReturned
    | OrderNotFound
    | ReturnExceedsPurchase
    | IdempotencyKeyReused
    | InvalidInput
    | MemberBusy,
    strawberry.union("ReturnPurchasePayload"),
]


async def resolve(info: Info, input: ReturnPurchaseInput) -> PurchaseReturned | Error:
    ctx = info.context
    principal = ctx.require(Action.RETURN)
    cmd = ReturnPurchase(
        order_id=input.order_id,
        amount=input.amount,
        idempotency_key=input.idempotency_key,
        store_id=ctx.store_for(principal, None),
    )
    result = await attempt(return_purchase.handle(cmd, ctx.ports))
    if isinstance(result, Error):
        return result
    return PurchaseReturned(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=ReturnPurchasePayload,
    description="Take back an order's points in proportion to the amount returned.",
)
