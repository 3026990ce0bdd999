from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action, Role
from domain.commands import ReturnPurchase
from domain.handlers import return_purchase
from domain.validation import parse_amount
from resolvers.context import Info
from schema.errors import payload
from schema.member import LedgerEntry, Member
from schema.scalars import Amount


@strawberry.input
class ReturnPurchaseInput:
    order_id: str
    amount: Amount = strawberry.field(description="the amount returned, in the order's currency")
    idempotency_key: str


@strawberry.type
class PurchaseReturned:
    member: Member
    entry: LedgerEntry


ReturnPurchasePayload = payload(
    "ReturnPurchasePayload",
    PurchaseReturned,
    failures.OrderNotFound,
    failures.ReturnExceedsPurchase,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: ReturnPurchaseInput) -> PurchaseReturned:
    ctx = info.context
    principal = ctx.require(Action.RETURN)
    cmd = ReturnPurchase(
        order_id=input.order_id,
        amount=parse_amount("amount", input.amount, ctx.ports.program.currency_decimals),
        idempotency_key=input.idempotency_key,
        store_id=ctx.store_for(principal, None),
        own_store_only=principal.role is Role.POS,
    )
    result = await return_purchase.handle(cmd, ctx.ports)
    return PurchaseReturned(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=ReturnPurchasePayload,
    description="Take back an order's points in proportion to the amount returned.",
)
