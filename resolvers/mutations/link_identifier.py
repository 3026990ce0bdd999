from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.commands import LinkIdentifier
from domain.handlers import link_identifier
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import IdentifierInput, MemberRefInput
from schema.member import Member


@strawberry.input
class LinkIdentifierInput:
    member: MemberRefInput
    identifier: IdentifierInput


@strawberry.type
class IdentifierLinked:
    member: Member


LinkIdentifierPayload = payload(
    "LinkIdentifierPayload",
    IdentifierLinked,
    failures.MemberNotFound,
    failures.IdentifierTaken,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: LinkIdentifierInput) -> IdentifierLinked:
    ctx = info.context
    ctx.require(Action.LINK_IDENTIFIER)
    cmd = LinkIdentifier(member=input.member.to_domain(), identifier=input.identifier.to_domain())
    result = await link_identifier.handle(cmd, ctx.ports)
    return IdentifierLinked(member=ctx.view(result))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=LinkIdentifierPayload,
    description="Attach another identifier (email, phone, card...) to a member.",
)
