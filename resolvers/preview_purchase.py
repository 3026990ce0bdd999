"""previewPurchase and potentialPoints: a cart, or a product page's items, priced for a
member as recordPurchase would price them, writing nothing."""

from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase
from domain.earn_rules import Earning
from domain.handlers import preview_purchase
from resolvers.context import Info
from resolvers.mutations.record_purchase import POINTS_PAID, PurchaseLineInput, cart_of
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import EarnedLine, Member
from schema.scalars import Amount


@strawberry.input
class PreviewPurchaseInput:
    member: MemberRefInput
    amount: Amount | None = strawberry.field(
        default=None, description="the cart's total; with `lines`, it must be their sum"
    )
    currency: str
    channel: Channel
    store_id: str | None = None
    lines: list[PurchaseLineInput] | None = None
    points_paid: int = strawberry.field(default=0, description=POINTS_PAID)


@strawberry.type(description="What one earn rule gives, in all and on each line.")
class RuleEarning:
    rule: str
    points: int
    qualifying: bool
    why: str
    per_line: list[int] = strawberry.field(description="in the order of `lines`")

    @classmethod
    def of(cls, earning: Earning) -> RuleEarning:
        return cls(
            rule=earning.rule,
            points=earning.points,
            qualifying=earning.qualifying,
            why=earning.why,
            per_line=list(earning.per_line),
        )


@strawberry.type
class PurchasePreview:
    points: int
    qualifying_points: int
    rules: list[RuleEarning]
    lines: list[EarnedLine] = strawberry.field(
        description="each line priced (an amount alone is one line with no sku)"
    )
    member: Member = strawberry.field(
        description="the member as the purchase would leave them: balance, tier, countdowns "
        "(what is missing for the next reward and tier); history as recorded so far"
    )


PreviewPurchaseResult = payload(
    "PreviewPurchaseResult",
    PurchasePreview,
    failures.MemberNotFound,
    failures.UnsupportedCurrency,
    failures.InsufficientPoints,
    failures.InvalidInput,
)


async def _priced_for(info: Info, member: MemberRefInput) -> MemberRef:
    """The member a price is asked for: staff ask for anyone, a member token for itself."""
    principal = info.context.require(Action.VIEW_MEMBER)
    ref = member.to_domain()
    await info.context.check_own(principal, ref)
    return ref


async def preview(info: Info, input: PreviewPurchaseInput) -> PurchasePreview:
    ctx = info.context
    ref = await _priced_for(info, input.member)
    amount, lines = cart_of(input.amount, input.lines, ctx.ports.program.currency_decimals)
    order, key = preview_purchase.PREVIEW, preview_purchase.PREVIEW
    cmd = RecordPurchase(
        ref,
        order,
        amount,
        input.currency,
        input.channel,
        input.store_id,
        key,
        lines,
        input.points_paid,
    )
    found = await preview_purchase.handle(cmd, ctx.ports)
    priced = found.priced
    return PurchasePreview(
        points=priced.points,
        qualifying_points=priced.qualifying_points,
        rules=[RuleEarning.of(e) for e in priced.earnings],
        lines=[EarnedLine.of(line) for line in found.line_records],
        member=ctx.view(found.after),
    )


preview_field = strawberry.field(
    resolver=preview,
    graphql_type=PreviewPurchaseResult,
    description="Price a cart for a member as recordPurchase would, writing nothing.",
)


@strawberry.input
class PotentialPointsInput:
    member: MemberRefInput
    items: list[PurchaseLineInput] = strawberry.field(description="a product page's items")


@strawberry.type(description="What each item would earn the member, bought on its own.")
class PotentialPoints:
    items: list[EarnedLine]


PotentialPointsResult = payload(
    "PotentialPointsResult",
    PotentialPoints,
    failures.MemberNotFound,
    failures.InvalidInput,
)


async def potential(info: Info, input: PotentialPointsInput) -> PotentialPoints:
    ctx = info.context
    ref = await _priced_for(info, input.member)
    _, items = cart_of(None, input.items, ctx.ports.program.currency_decimals)
    found = await preview_purchase.potential(ref, items, ctx.ports)
    return PotentialPoints(items=[EarnedLine.of(line) for line in found])


potential_field = strawberry.field(
    resolver=potential,
    graphql_type=PotentialPointsResult,
    description="What each item of a product page would earn the member, writing nothing.",
)
