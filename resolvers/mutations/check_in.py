from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import CheckIn
from domain.handlers import check_in
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import Member


@strawberry.input
class CheckInInput:
    member: MemberRefInput
    store_id: strawberry.ID
    channel: Channel


@strawberry.type
class CheckedIn:
    member: Member


CheckInPayload = payload(
    "CheckInPayload",
    CheckedIn,
    failures.MemberNotFound,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: CheckInInput) -> CheckedIn:
    ctx = info.context
    principal = ctx.require(Action.CHECK_IN)
    ctx.check_channel(principal, input.channel)
    store_id = ctx.store_for(principal, str(input.store_id))
    cmd = CheckIn(member=input.member.to_domain(), store_id=store_id or "", channel=input.channel)
    await ctx.check_own(principal, cmd.member)
    result = await check_in.handle(cmd, ctx.ports)
    return CheckedIn(member=ctx.view(result))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=CheckInPayload,
    description="A member arrives at a store (app on arrival, or a QR scan at the till).",
)
