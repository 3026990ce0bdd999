from __future__ import annotations

from datetime import date

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.channel import Channel
from domain.commands import EnrollMember
from domain.handlers import enroll_member
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import IdentifierInput
from schema.member import Member


@strawberry.input
class EnrollMemberInput:
    identifiers: list[IdentifierInput]
    display_name: str | None = None
    channel: Channel
    birthday: date | None = strawberry.field(
        default=None, description="its month and day make the birthday week"
    )
    time_zone: str | None = strawberry.field(
        default=None, description="IANA name, e.g. Europe/Paris; null: the program's"
    )
    referral_code: str | None = strawberry.field(
        default=None, description="a member's referral code: the new member is their friend"
    )


@strawberry.type
class MemberEnrolled:
    member: Member


EnrollMemberPayload = payload(
    "EnrollMemberPayload",
    MemberEnrolled,
    failures.IdentifierTaken,
    failures.InvalidInput,
    failures.ReferralCodeUnknown,
    failures.SelfReferral,
    failures.AlreadyMember,
    failures.AlreadyReferred,
)


async def resolve(info: Info, input: EnrollMemberInput) -> MemberEnrolled:
    ctx = info.context
    ctx.require(Action.ENROLL)
    cmd = EnrollMember(
        identifiers=tuple(i.to_domain() for i in input.identifiers),
        display_name=input.display_name,
        channel=input.channel,
        birthday=input.birthday,
        time_zone=input.time_zone,
        referral_code=input.referral_code,
    )
    result = await enroll_member.handle(cmd, ctx.ports)
    return MemberEnrolled(member=ctx.view(result.member))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=EnrollMemberPayload,
    description="Enroll a customer under one or more identifiers.",
)
