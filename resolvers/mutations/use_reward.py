from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import UseReward
from domain.handlers import use_reward
from resolvers.context import Info
from schema.errors import payload
from schema.member import Member, MemberReward


@strawberry.input
class UseRewardInput:
    code: str
    channel: Channel
    store_id: str | None = None


@strawberry.type
class RewardUsed:
    member: Member
    member_reward: MemberReward


UseRewardPayload = payload(
    "UseRewardPayload",
    RewardUsed,
    failures.RewardNotFound,
    failures.RewardNotActive,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: UseRewardInput) -> RewardUsed:
    ctx = info.context
    principal = ctx.require(Action.USE_REWARD)
    cmd = UseReward(
        code=input.code, channel=input.channel, store_id=ctx.store_for(principal, input.store_id)
    )
    result = await use_reward.handle(cmd, ctx.ports)
    return RewardUsed(
        member=ctx.view(result.member),
        member_reward=MemberReward.of(result.member_reward, ctx.ports.program),
    )


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=UseRewardPayload,
    description="Consume a voucher at the store; a voucher can be used once.",
)
