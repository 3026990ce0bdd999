from __future__ import annotations

from datetime import date

import strawberry

from domain import errors as failures
from domain.access import Action, Principal, Role
from domain.channel import Channel
from domain.handlers import update_member_profile
from domain.member_profile import UpdateMemberProfile
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import Member


@strawberry.input
class UpdateMemberProfileInput:
    member: MemberRefInput
    display_name: str | None = strawberry.field(
        default=None, description="null leaves it as it is; blank clears it"
    )
    birthday: date | None = strawberry.field(
        default=None, description="its month and day make the birthday week; null leaves it"
    )
    time_zone: str | None = strawberry.field(
        default=None,
        description="IANA name, e.g. Europe/Paris: the member's local day and quiet hours; "
        "null leaves it",
    )
    channel: Channel | None = strawberry.field(
        default=None,
        description="where the change is made; null: APP for a member token, CALL_CENTER for staff",
    )
    idempotency_key: str | None = None


@strawberry.type
class MemberProfileUpdated:
    member: Member


UpdateMemberProfilePayload = payload(
    "UpdateMemberProfilePayload",
    MemberProfileUpdated,
    failures.MemberNotFound,
    failures.IdempotencyKeyReused,
    failures.InvalidInput,
    failures.MemberBusy,
)


def channel_for(principal: Principal, given: Channel | None) -> Channel:
    if given is not None:
        return given
    return Channel.APP if principal.role is Role.MEMBER else Channel.CALL_CENTER


async def resolve(info: Info, input: UpdateMemberProfileInput) -> MemberProfileUpdated:
    ctx = info.context
    principal = ctx.require(Action.UPDATE_PROFILE)
    channel = channel_for(principal, input.channel)
    ctx.check_channel(principal, channel)
    cmd = UpdateMemberProfile(
        member=input.member.to_domain(),
        display_name=input.display_name,
        birthday=input.birthday,
        time_zone=input.time_zone,
        idempotency_key=input.idempotency_key,
        channel=channel,
    )
    await ctx.check_own(principal, cmd.member)
    member = await update_member_profile.handle(cmd, ctx.ports)
    return MemberProfileUpdated(member=ctx.view(member))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=UpdateMemberProfilePayload,
    description=(
        "Set a member's name, birthday and time zone (what is given; audited in history). "
        "The time zone is the member's one zone: campaigns' birthday week and messages' "
        "quiet hours."
    ),
)
