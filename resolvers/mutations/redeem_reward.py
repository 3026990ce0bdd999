from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import RedeemReward
from domain.handlers import redeem_reward
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import Member, MemberReward


@strawberry.input
class RedeemRewardInput:
    member: MemberRefInput
    reward_id: strawberry.ID
    channel: Channel
    idempotency_key: str


@strawberry.type
class RewardRedeemed:
    member: Member
    member_reward: MemberReward


RedeemRewardPayload = payload(
    "RedeemRewardPayload",
    RewardRedeemed,
    failures.MemberNotFound,
    failures.RewardNotFound,
    failures.RewardUnavailable,
    failures.InsufficientPoints,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: RedeemRewardInput) -> RewardRedeemed:
    ctx = info.context
    principal = ctx.require(Action.REDEEM)
    ctx.check_channel(principal, input.channel)
    cmd = RedeemReward(
        member=input.member.to_domain(),
        reward_id=str(input.reward_id),
        channel=input.channel,
        idempotency_key=input.idempotency_key,
        store_id=ctx.store_for(principal, None),
    )
    await ctx.check_own(principal, cmd.member)
    result = await redeem_reward.handle(cmd, ctx.ports)
    return RewardRedeemed(
        member=ctx.view(result.member),
        member_reward=MemberReward.of(result.member_reward, ctx.ports.program),
    )


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=RedeemRewardPayload,
    description="Spend points on a catalog reward; issues a voucher with a code.",
)
