from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.handlers.partner_links import unlink_by_partner
from resolvers.context import Info
from resolvers.partners import partner_for
from schema.errors import payload


@strawberry.input
class UnlinkPartnerMemberInput:
    partner: str = strawberry.field(description="the partner's name in the program file")
    external_id: str = strawberry.field(description="the member's id at the partner")


@strawberry.type(description="The partner's link is undone: the id no longer finds the member.")
class PartnerMemberUnlinked:
    partner: str
    external_id: str


UnlinkPartnerMemberPayload = payload(
    "UnlinkPartnerMemberPayload",
    PartnerMemberUnlinked,
    failures.MemberNotLinked,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: UnlinkPartnerMemberInput) -> PartnerMemberUnlinked:
    partner = partner_for(info, Action.PARTNER_LINK, input.partner)
    await unlink_by_partner(info.context.ports, partner, input.external_id)
    return PartnerMemberUnlinked(partner=partner.name, external_id=input.external_id.strip())


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=UnlinkPartnerMemberPayload,
    description="The partner's side of an unlink: its external id no longer finds the member.",
)
