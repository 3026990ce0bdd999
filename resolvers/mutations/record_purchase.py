from __future__ import annotations

from decimal import Decimal

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import PurchaseLine, RecordPurchase
from domain.handlers import record_purchase
from domain.validation import parse_amount
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import EarnedLine, LedgerEntry, Member
from schema.scalars import Amount


@strawberry.input(description="One line of the cart: `quantity` of `sku` at `unitPrice` each.")
class PurchaseLineInput:
    sku: str
    category: str
    quantity: int
    unit_price: Amount
    earns: bool = strawberry.field(
        default=True, description="false for what earns no points (gift cards, tax)"
    )

    def to_domain(self, n: int, decimals: int) -> PurchaseLine:
        price = parse_amount(f"lines[{n}].unitPrice", self.unit_price, decimals)
        return PurchaseLine(self.sku, self.category, self.quantity, price, self.earns)


def cart_of(
    amount: Amount | None, lines: list[PurchaseLineInput] | None, decimals: int
) -> tuple[Decimal | None, tuple[PurchaseLine, ...]]:
    """A purchase's amount and lines as typed, parsed (a purchase and its preview alike)."""
    total = None if amount is None else parse_amount("amount", amount, decimals)
    return total, tuple(line.to_domain(n, decimals) for n, line in enumerate(lines or ()))


POINTS_PAID = (
    "points the member spends on the order, worth the program's pointValue each; that part "
    "earns no points, and a return gives them back to the batches they came from"
)


@strawberry.input
class RecordPurchaseInput:
    member: MemberRefInput
    order_id: str
    amount: Amount | None = strawberry.field(
        default=None, description="the order's total; with `lines`, it must be their sum"
    )
    currency: str
    channel: Channel
    store_id: str | None = None
    idempotency_key: str
    lines: list[PurchaseLineInput] | None = strawberry.field(
        default=None, description="the cart: points are earned, and returned, per line"
    )
    points_paid: int = strawberry.field(default=0, description=POINTS_PAID)


@strawberry.type
class PointsEarned:
    member: Member
    entry: LedgerEntry
    # A plain field, not a resolver: the executor then reads a twenty-line answer's lines
    # straight from their objects (`app.execution.plain_fields`), not each through
    # graphql-core's general completion.
    lines: list[EarnedLine] = strawberry.field(
        description="the points each line earned (none for an amount only)"
    )


RecordPurchasePayload = payload(
    "RecordPurchasePayload",
    PointsEarned,
    failures.MemberNotFound,
    failures.UnsupportedCurrency,
    failures.OrderAlreadyRecorded,
    failures.InsufficientPoints,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: RecordPurchaseInput) -> PointsEarned:
    ctx = info.context
    principal = ctx.require(Action.RECORD_PURCHASE)
    amount, lines = cart_of(input.amount, input.lines, ctx.ports.program.currency_decimals)
    cmd = RecordPurchase(
        member=input.member.to_domain(),
        order_id=input.order_id,
        amount=amount,
        currency=input.currency,
        channel=input.channel,
        store_id=ctx.store_for(principal, input.store_id),
        idempotency_key=input.idempotency_key,
        lines=lines,
        points_paid=input.points_paid,
    )
    result = await record_purchase.handle(cmd, ctx.ports)
    return PointsEarned(
        member=ctx.view(result.member),
        entry=LedgerEntry.of(result.entry),
        lines=[EarnedLine.of(line) for line in result.lines],
    )


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=RecordPurchasePayload,
    description=(
        "Earn points for a purchase, an amount or a cart of lines. Retrying with the same "
        "idempotencyKey is safe."
    ),
)
