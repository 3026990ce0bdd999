from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.handlers.partner_links import unlink_by_member
from resolvers.context import Info
from resolvers.partners import members_partner
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import Member


@strawberry.input
class UnlinkPartnerInput:
    member: MemberRefInput
    partner: str = strawberry.field(description="the partner's name in the program file")


@strawberry.type
class PartnerUnlinked:
    partner: str
    member: Member


UnlinkPartnerPayload = payload(
    "UnlinkPartnerPayload",
    PartnerUnlinked,
    failures.MemberNotFound,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: UnlinkPartnerInput) -> PartnerUnlinked:
    action = Action.UNLINK_PARTNER
    ref, partner = await members_partner(info, action, input.member, input.partner)
    member = await unlink_by_member(info.context.ports, partner, ref)
    return PartnerUnlinked(partner=partner.name, member=info.context.view(member))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=UnlinkPartnerPayload,
    description=(
        "The member's side of an unlink (the app, or the call center for them): every link "
        "at the partner is undone; none left is no error."
    ),
)
