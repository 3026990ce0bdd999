from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.commands import AdjustPoints
from domain.handlers import adjust_points
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import LedgerEntry, Member


@strawberry.input
class AdjustPointsInput:
    member: MemberRefInput
    points: int = strawberry.field(description="positive to credit, negative to debit")
    reason: str
    idempotency_key: str


@strawberry.type
class PointsAdjusted:
    member: Member
    entry: LedgerEntry


AdjustPointsPayload = payload(
    "AdjustPointsPayload",
    PointsAdjusted,
    failures.MemberNotFound,
    failures.InsufficientPoints,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: AdjustPointsInput) -> PointsAdjusted:
    ctx = info.context
    ctx.require(Action.ADJUST)
    cmd = AdjustPoints(
        member=input.member.to_domain(),
        points=input.points,
        reason=input.reason,
        idempotency_key=input.idempotency_key,
    )
    result = await adjust_points.handle(cmd, ctx.ports)
    return PointsAdjusted(member=ctx.view(result.member), entry=LedgerEntry.of(result.entry))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=AdjustPointsPayload,
    description="Credit or debit points with a reason (goodwill, corrections).",
)
