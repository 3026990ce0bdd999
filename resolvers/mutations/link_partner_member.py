from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.handlers.partner_links import link_member
from resolvers.context import Info
from resolvers.partners import as_partner_sees, partner_for
from schema.errors import payload
from schema.partners import PartnerMember


@strawberry.input
class LinkPartnerMemberInput:
    partner: str = strawberry.field(description="the partner's name in the program file")
    link_code: str = strawberry.field(description="the member's link code, however typed")
    external_id: str = strawberry.field(description="the member's id at the partner")


LinkPartnerMemberPayload = payload(
    "LinkPartnerMemberPayload",
    PartnerMember,
    failures.LinkCodeInvalid,
    failures.ExternalIdTaken,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: LinkPartnerMemberInput) -> PartnerMember:
    partner = partner_for(info, Action.PARTNER_LINK, input.partner)
    member = await link_member(info.context.ports, partner, input.link_code, input.external_id)
    return as_partner_sees(member, partner, input.external_id)


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=LinkPartnerMemberPayload,
    description=(
        "Link the member whose code this is at the partner, under the partner's external id "
        "(replacing a link it had there); the same code and id again answer the same."
    ),
)
