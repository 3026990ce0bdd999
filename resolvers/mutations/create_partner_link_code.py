from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.handlers.partner_links import create_link_code
from resolvers.context import Info
from resolvers.partners import members_partner
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.partners import PartnerLinkCode


@strawberry.input
class CreatePartnerLinkCodeInput:
    member: MemberRefInput
    partner: str = strawberry.field(description="the partner's name in the program file")


CreatePartnerLinkCodePayload = payload(
    "CreatePartnerLinkCodePayload",
    PartnerLinkCode,
    failures.MemberNotFound,
    failures.InvalidInput,
)


async def resolve(info: Info, input: CreatePartnerLinkCodeInput) -> PartnerLinkCode:
    action = Action.CREATE_LINK_CODE
    ref, partner = await members_partner(info, action, input.member, input.partner)
    made = await create_link_code(info.context.ports, partner, ref)
    return PartnerLinkCode(partner=partner.name, link_code=made.code, expires_at=made.expires_at)


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=CreatePartnerLinkCodePayload,
    description=(
        "A member's consent to be linked at a partner: a short-lived, single-use code the "
        "member hands to the partner, which links with `linkPartnerMember`."
    ),
)
