"""Acting for a partner: the partner a request names, if the caller may act for it; and the
`partnerMember` query, a member looked up by the partner's own external id."""

from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.commands import MemberRef
from domain.handlers.partner_links import find_linked
from domain.member import Member
from domain.partner_links import external_id_of
from domain.partner_view import partner_view
from domain.partners import Partner, acts_for, partner_named
from resolvers.context import Info
from schema.errors import Forbidden, payload
from schema.inputs import MemberRefInput
from schema.partners import PartnerMember


def partner_for(info: Info, action: Action, name: str) -> Partner:
    """The program's partner `name`, if the caller may do `action` for it: a partner token
    for its own partner only (FORBIDDEN otherwise, before anything is read)."""
    principal = info.context.require(action)
    if not acts_for(principal, name):
        raise Forbidden(f"this token acts for partner {principal.partner}, not {name}")
    return partner_named(info.context.ports.program, name)


async def members_partner(
    info: Info, action: Action, member: MemberRefInput, name: str
) -> tuple[MemberRef, Partner]:
    """The member side (the app for itself, or staff): the member a request names, if the
    caller may reach it, and the program's partner `name`."""
    ctx = info.context
    ref = member.to_domain()
    await ctx.check_own(ctx.require(action), ref)
    return ref, partner_named(ctx.ports.program, name)


def as_partner_sees(member: Member, partner: Partner, external_id: str) -> PartnerMember:
    return PartnerMember.of(partner_view(member, partner, external_id_of(external_id)))


PartnerMemberPayload = payload(
    "PartnerMemberPayload", PartnerMember, failures.MemberNotLinked, failures.InvalidInput
)


async def resolve(info: Info, partner: str, external_id: str) -> PartnerMember:
    found = partner_for(info, Action.PARTNER_LOOKUP, partner)
    member = await find_linked(info.context.ports, found, external_id)
    return as_partner_sees(member, found, external_id)


field = strawberry.field(
    resolver=resolve,
    graphql_type=PartnerMemberPayload,
    description=(
        "A member by the partner's own external id (linked with the member's link code), as "
        "the partner's field policy lets it see it; MEMBER_NOT_LINKED for any other id."
    ),
)
