"""Query root: the program, any member by ref (staff, or a member for itself), and `me`."""

from __future__ import annotations

import strawberry

from app.auth import Action, Role
from domain.commands import MemberRef
from domain.errors import InvalidInput, MemberNotFound
from domain.handlers.members import current
from resolvers.context import Info
from schema.errors import BadRequest, Forbidden
from schema.inputs import MemberRefInput
from schema.member import Member
from schema.program import Program


async def _member(info: Info, ref: MemberRef) -> Member | None:
    ctx = info.context
    principal = ctx.require(Action.VIEW_MEMBER)
    try:
        member = await current(ctx.ports, ref)
    except InvalidInput as exc:
        raise BadRequest(exc.message, {"field": exc.field}) from None
    except MemberNotFound:
        if principal.role is Role.MEMBER:
            raise Forbidden("a member token may read its own member only") from None
        return None
    ctx.check_own_member(principal, member)
    return ctx.view(member)


@strawberry.type
class Query:
    @strawberry.field(description="The loyalty program: currency, earn rate, tiers, rewards.")
    def program(self, info: Info) -> Program:
        info.context.require(Action.VIEW_PROGRAM)
        return info.context.program_type

    @strawberry.field(description="A member by id or identifier; null when there is none.")
    async def member(self, info: Info, ref: MemberRefInput) -> Member | None:
        return await _member(info, ref.to_domain())

    @strawberry.field(description="The member a member token belongs to.")
    async def me(self, info: Info) -> Member | None:
        principal = info.context.require(Action.VIEW_MEMBER)
        if principal.role is not Role.MEMBER or principal.member_id is None:
            raise Forbidden("`me` is for member tokens; staff use `member(ref:)`")
        return await _member(info, MemberRef(id=principal.member_id))
