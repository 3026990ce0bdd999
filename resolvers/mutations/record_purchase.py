from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import RecordPurchase
from domain.handlers import record_purchase
from domain.validation import parse_amount
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import LedgerEntry, Member
from schema.scalars import Amount


@strawberry.input
class RecordPurchaseInput:
    member: MemberRefInput
    order_id: str
    amount: Amount
    currency: str
    channel: Channel
    store_id: str | None = None
    idempotency_key: str


@strawberry.type
class PointsEarned:
    member: Member
    entry: LedgerEntry


RecordPurchasePayload = payload(
    "RecordPurchasePayload",
    PointsEarned,
    failures.MemberNotFound,
    failures.UnsupportedCurrency,
    failures.OrderAlreadyRecorded,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: RecordPurchaseInput) -> PointsEarned:
    ctx = info.context
    principal = ctx.require(Action.RECORD_PURCHASE)
    cmd = RecordPurchase(
        member=input.member.to_domain(),
        order_id=input.order_id,
        amount=parse_amount("amount", input.amount, ctx.ports.program.currency_decimals),
        currency=input.currency,
        channel=input.channel,
        store_id=ctx.store_for(principal, input.store_id),
        idempotency_key=input.idempotency_key,
    )
    result = await record_purchase.handle(cmd, ctx.ports)
    return PointsEarned(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=RecordPurchasePayload,
    description="Earn points for a purchase. Retrying with the same idempotencyKey is safe.",
)
