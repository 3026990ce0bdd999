from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import CancelRedemption
from domain.handlers import cancel_redemption
from resolvers.context import Info
from schema.errors import payload
from schema.member import LedgerEntry, Member, MemberReward


@strawberry.input(description="The voucher by its `code` or by its `memberRewardId`: one of them.")
class CancelRedemptionInput:
    code: str | None = None
    member_reward_id: strawberry.ID | None = None
    idempotency_key: str
    channel: Channel = Channel.CALL_CENTER
    store_id: str | None = None


@strawberry.type
class RedemptionCancelled:
    member: Member
    member_reward: MemberReward
    entry: LedgerEntry


CancelRedemptionPayload = payload(
    "CancelRedemptionPayload",
    RedemptionCancelled,
    failures.RewardNotFound,
    failures.RewardNotActive,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: CancelRedemptionInput) -> RedemptionCancelled:
    ctx = info.context
    principal = ctx.require(Action.CANCEL_REDEMPTION)
    cmd = CancelRedemption(
        code=input.code,
        member_reward_id=input.member_reward_id,
        idempotency_key=input.idempotency_key,
        channel=input.channel,
        store_id=ctx.store_for(principal, input.store_id),
    )
    result = await cancel_redemption.handle(cmd, ctx.ports)
    return RedemptionCancelled(
        member=ctx.view(result.member),
        member_reward=MemberReward.of(result.member_reward, ctx.ports.program),
        entry=LedgerEntry.of(result.entry),
    )


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=CancelRedemptionPayload,
    description=(
        "Cancel a redemption before its voucher is used: the points go back to the batches "
        "they came from, with their own expiry, and the reward's stock is given back."
    ),
)
