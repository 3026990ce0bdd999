"""Subscription root: a member's live view, and a store's live activity."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import replace

import strawberry

from domain.access import Action, Role
from domain.errors import InvalidInput
from domain.events import MemberChanged
from domain.handlers.members import finish_merges
from domain.ledger import EntryKind
from domain.member import Member as DomainMember
from domain.reactions import Reaction, reacts
from resolvers.context import Info
from schema.errors import BadRequest, Dropped, Forbidden
from schema.inputs import MemberRefInput
from schema.updates import SNAPSHOT, MemberUpdate, StoreEvent, TierChange, UpdateCause
from subscriptions.bus import Resync
from subscriptions.feed import SlowConsumer, Update, Watch


async def _next(watch: Watch) -> Update | Resync:
    try:
        return await watch.next()
    except SlowConsumer as exc:
        raise Dropped(str(exc)) from None


def _update(info: Info, member: DomainMember, event: MemberChanged | None) -> MemberUpdate:
    cause = UpdateCause(
        kind=event.cause.value if event else SNAPSHOT,
        channel=event.channel if event else None,
        store_id=event.store_id if event else None,
        entry_id=strawberry.ID(event.entry_id) if event and event.entry_id else None,
        tier_change=TierChange.of(info.context.ports.program, event),
    )
    info.context.fresh_loaders()
    return MemberUpdate(version=member.version, cause=cause, member=info.context.view(member))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The member's view now (SNAPSHOT), then after every change. Versions of "
        "one member only go up; after a merge the survivor is followed (cause MERGED)."
    )
    async def member_updated(
        self, info: Info, ref: MemberRefInput
    ) -> AsyncGenerator[MemberUpdate, None]:
        ctx = info.context
        member = await ctx.visible_member(ref.to_domain(), "follow")
        if member is None:
            raise BadRequest("no such member", {"code": "MEMBER_NOT_FOUND"})
        following = _Following(member.id, member.version)
        async with ctx.feed.watch(member.all_ids) as watch:
            yield _update(info, member, None)
            del member  # an idle subscription keeps the id and version, not the member
            while True:
                yield await following.next_update(info, watch)

    @strawberry.subscription(
        description="Check-ins, purchases, redemptions, voucher uses and returns at a store."
    )
    async def store_activity(
        self, info: Info, store_id: strawberry.ID
    ) -> AsyncGenerator[StoreEvent, None]:
        ctx = info.context
        principal = ctx.require(Action.VIEW_MEMBER)
        if principal.role is Role.MEMBER:
            raise Forbidden("store activity is for store and head-office staff")
        try:
            store = ctx.store_for(principal, str(store_id))
        except InvalidInput as exc:
            raise BadRequest(exc.message, {"field": exc.field}) from None
        assert store is not None
        async with ctx.feed.watch_store(store) as watch:
            while True:
                signal = await _next(watch)
                if isinstance(signal, Update) and reacts(signal.event, Reaction.STORE_ACTIVITY):
                    ctx.fresh_loaders()
                    yield StoreEvent(
                        kind=signal.event.cause.value,
                        store_id=store,
                        at=ctx.ports.clock.now(),
                        member=ctx.view(signal.member),
                        tier_change=TierChange.of(ctx.ports.program, signal.event),
                    )


class _Following:
    """The member a subscription follows and the version it last sent."""

    __slots__ = ("member_id", "version")

    def __init__(self, member_id: str, version: int) -> None:
        self.member_id = member_id
        self.version = version

    async def next_update(self, info: Info, watch: Watch) -> MemberUpdate:
        """The next update to send: newer versions only, the survivor after a merge, and
        the current view again after a resync."""
        while True:
            signal = await _next(watch)
            if isinstance(signal, Resync):
                # Events may be lost: the current view is sent again, as on connect.
                now = await finish_merges(info.context.ports, self.member_id)
                return self._sent(info, now, None)
            after = signal.member
            if after.id != self.member_id:  # merged away: hand over to the survivor
                watch.retarget(after.all_ids)
                return self._sent(info, after, _merged(signal))
            if after.version > self.version:
                return self._sent(info, after, signal.event)

    def _sent(self, info: Info, member: DomainMember, event: MemberChanged | None) -> MemberUpdate:
        self.member_id, self.version = member.id, member.version
        return _update(info, member, event)


def _merged(update: Update) -> MemberChanged:
    return replace(update.event, cause=EntryKind.MERGED)
