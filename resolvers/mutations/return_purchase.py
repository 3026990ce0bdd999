from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action, Role
from domain.commands import ReturnLine, ReturnPurchase
from domain.handlers import return_purchase
from domain.validation import parse_amount
from resolvers.context import Info
from schema.errors import payload
from schema.member import LedgerEntry, Member
from schema.scalars import Amount


@strawberry.input(description="`quantity` of an order's line `sku` brought back.")
class ReturnLineInput:
    sku: str
    quantity: int


@strawberry.input
class ReturnPurchaseInput:
    order_id: str
    amount: Amount | None = strawberry.field(
        default=None,
        description=(
            "the amount returned, in the order's currency (an order recorded as an amount); "
            "with `lines`, it must be what they cost"
        ),
    )
    idempotency_key: str
    lines: list[ReturnLineInput] | None = strawberry.field(
        default=None, description="the lines brought back (an order recorded with lines)"
    )


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
    decimals = ctx.ports.program.currency_decimals
    cmd = ReturnPurchase(
        order_id=input.order_id,
        amount=None if input.amount is None else parse_amount("amount", input.amount, decimals),
        idempotency_key=input.idempotency_key,
        store_id=ctx.store_for(principal, None),
        own_store_only=principal.role is Role.POS,
        lines=tuple(ReturnLine(line.sku, line.quantity) for line in input.lines or ()),
    )
    result = await return_purchase.handle(cmd, ctx.ports)
    return PurchaseReturned(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=ReturnPurchasePayload,
    description=(
        "Take back an order's points for what came back: in proportion to the amount, or "
        "per line and quantity for an order recorded with lines."
    ),
)
