from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.commands import MergeMembers
from domain.handlers import merge_members
from resolvers.context import Info
from schema.errors import payload
from schema.inputs import MemberRefInput
from schema.member import Member


@strawberry.input
class MergeMembersInput:
    survivor: MemberRefInput
    duplicate: MemberRefInput


@strawberry.type
class MembersMerged:
    member: Member


MergeMembersPayload = payload(
    "MergeMembersPayload",
    MembersMerged,
    failures.MemberNotFound,
    failures.InvalidInput,
    failures.MemberBusy,
)


async def resolve(info: Info, input: MergeMembersInput) -> MembersMerged:
    ctx = info.context
    ctx.require(Action.MERGE)
    cmd = MergeMembers(survivor=input.survivor.to_domain(), duplicate=input.duplicate.to_domain())
    result = await merge_members.handle(cmd, ctx.ports)
    return MembersMerged(member=ctx.view(result))


field = strawberry.mutation(
    resolver=resolve,
    graphql_type=MergeMembersPayload,
    description="Fold a duplicate into the survivor: points, tier, vouchers, history, identities.",
)
