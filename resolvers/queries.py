"""Query root: the program, any member by ref (staff, or a member for itself), `me`, a
member's messages (staff), and what the outbox relay set aside (admins)."""

from __future__ import annotations

import strawberry

from domain.access import Action, Role
from domain.commands import MemberRef
from domain.errors import InvalidInput, MemberNotFound
from domain.handlers.members import resolve
from resolvers import partners
from resolvers import preview_purchase as previews
from resolvers import program_stats as stats_fields
from resolvers.boundary import at_the_boundary
from resolvers.context import Info
from schema.errors import BadRequest, Forbidden
from schema.inputs import MemberRefInput
from schema.member import Member
from schema.messages import MessageConnection
from schema.operations import ParkedOutboxItem
from schema.program import Program

DEFAULT_MESSAGES_PAGE = 20
MAX_PARKED_PAGE = 100


async def _member(info: Info, ref: MemberRef) -> Member | None:
    member = await info.context.visible_member(ref)
    return None if member is None else info.context.view(member)


async def _messages(info: Info, ref: MemberRef, first: int, after: str | None) -> MessageConnection:
    ctx = info.context
    ctx.require(Action.VIEW_MESSAGES)
    try:
        member = await resolve(ctx.ports, ref)
        page = await ctx.messaging.messages.for_member(member.id, first, after)
    except InvalidInput as exc:
        raise BadRequest(exc.message, {"field": exc.field}) from None
    except MemberNotFound as exc:
        # Not an empty list: staff looking up the wrong customer should be told so.
        raise BadRequest(exc.message, {"field": "member"}) from None
    return MessageConnection.of(page)


@strawberry.type
class Query:
    preview_purchase = at_the_boundary(previews.preview_field)
    potential_points = at_the_boundary(previews.potential_field)
    partner_member = at_the_boundary(partners.field)
    program_stats = stats_fields.query_field

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

    @strawberry.field(description="A member's messages, newest first, with why any was held.")
    async def messages(
        self,
        info: Info,
        member: MemberRefInput,
        first: int = DEFAULT_MESSAGES_PAGE,
        after: str | None = None,
    ) -> MessageConnection:
        return await _messages(info, member.to_domain(), first, after)

    @strawberry.field(
        description="Outbox items the relay set aside (admins), newest first, at most 100."
    )
    async def parked_outbox_items(self, info: Info, first: int = 20) -> list[ParkedOutboxItem]:
        info.context.require(Action.VIEW_OPERATIONS)
        if not 1 <= first <= MAX_PARKED_PAGE:
            raise BadRequest(f"first: 1 to {MAX_PARKED_PAGE}", {"field": "first"})
        items = await info.context.ports.outbox.parked(first)
        return [ParkedOutboxItem.of(item) for item in items]
