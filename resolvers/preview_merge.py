"""previewMerge: the survivor as mergeMembers would leave it, writing nothing."""

from __future__ import annotations

import strawberry

from domain import errors as failures
from domain.access import Action
from domain.commands import MergeMembers
from domain.handlers import preview_merge
from resolvers.context import Info
from resolvers.mutations.merge_members import MergeMembersInput
from schema.errors import payload
from schema.member import Member


@strawberry.type(description="What a merge would leave, before it is made.")
class MergePreview:
    member: Member = strawberry.field(
        description="the survivor as the merge would leave it: points, tier, vouchers, "
        "identifiers; history as recorded so far"
    )
    survivor: Member = strawberry.field(description="the survivor as it is now")
    duplicate: Member = strawberry.field(description="the duplicate as it is now")


PreviewMergeResult = payload(
    "PreviewMergeResult",
    MergePreview,
    failures.MemberNotFound,
    failures.InvalidInput,
)


async def preview(info: Info, input: MergeMembersInput) -> MergePreview:
    ctx = info.context
    ctx.require(Action.MERGE)
    cmd = MergeMembers(input.survivor.to_domain(), input.duplicate.to_domain())
    found = await preview_merge.handle(cmd, ctx.ports)
    return MergePreview(
        member=ctx.view(found.merged),
        survivor=ctx.view(found.survivor),
        duplicate=ctx.view(found.duplicate),
    )


preview_field = strawberry.field(
    resolver=preview,
    graphql_type=PreviewMergeResult,
    description="Preview mergeMembers: the survivor as the merge would leave it, writing nothing.",
)
