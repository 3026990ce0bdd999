"""Subscription root: a member's live view, and a store's live activity."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextvars import ContextVar
from dataclasses import replace

import strawberry

from domain.access import Action, Role
from domain.errors import InvalidInput
from domain.events import MemberChanged
from domain.handlers.members import finish_merges
from domain.ledger import EntryKind
from domain.member import Member as DomainMember
from domain.reactions import Reaction, reacts
from resolvers import program_stats as stats_fields
from resolvers.context import Info, TesseraContext
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


def _update(ctx: TesseraContext, member: DomainMember, event: MemberChanged | None) -> MemberUpdate:
    cause = UpdateCause(
        kind=event.cause.value if event else SNAPSHOT,
        channel=event.channel if event else None,
        store_id=event.store_id if event else None,
        entry_id=strawberry.ID(event.entry_id) if event and event.entry_id else None,
        tier_change=TierChange.of(ctx.ports.program, event),
    )
    ctx.fresh_loaders()
    return MemberUpdate(version=member.version, cause=cause, member=ctx.view(member))


@strawberry.type
class Subscription:
    program_stats_updated = stats_fields.subscription_field

    @strawberry.subscription(
        description="The member's view now (SNAPSHOT), then after every change. Versions of "
        "one member only go up; after a merge the survivor is followed (cause MERGED)."
    )
    async def member_updated(self, info: Info, ref: MemberRefInput) -> AsyncIterator[MemberUpdate]:
        return MemberFollowing(info.context, ref)

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


class MemberFollowing:
    """memberUpdated's source of updates: the member's snapshot first, then each newer
    version, the survivor after a merge, and the current view again after a resync.

    Not a generator: its state is a few fields and a watch in the feed. Iterated (SSE, and
    the first result over a WebSocket) it awaits its watch; a WebSocket then `detach`es it
    and computes each update with `update_for` when the feed offers one, with no task or
    frame kept while idle (`app.subscription_socket`)."""

    __slots__ = ("_context", "_ref", "detached", "member_id", "version", "watch")

    def __init__(self, context: TesseraContext, ref: MemberRefInput) -> None:
        self._context = context
        self._ref: MemberRefInput | None = ref
        self.member_id = ""
        self.version = 0
        self.watch: Watch | None = None
        self.detached = False

    def __aiter__(self) -> MemberFollowing:
        return self

    async def __anext__(self) -> MemberUpdate:
        if self.watch is None:
            return await self._open()
        while True:
            update = await self.update_for(await _next(self.watch))
            if update is not None:
                return update

    async def aclose(self) -> None:
        if self.watch is not None and not self.detached:
            self.close()

    def close(self) -> None:
        """Leave the feed (once)."""
        if self.watch is not None:
            self._context.feed.unfollow(self.watch)
            self.watch = None

    def detach(self) -> None:
        """The subscription is read by its socket from now on: closing the iterator no
        longer leaves the feed."""
        self.detached = True
        _opened.set(None)  # and stops collecting in this context

    async def _open(self) -> MemberUpdate:
        ctx, ref = self._context, self._ref
        assert ref is not None
        member = await ctx.visible_member(ref.to_domain(), "follow")
        if member is None:
            raise BadRequest("no such member", {"code": "MEMBER_NOT_FOUND"})
        self._ref = None
        self.watch = ctx.feed.follow(member.all_ids)
        opened = _opened.get()
        if opened is not None:
            opened.append(self)
        # An idle subscription keeps the id and version, not the member.
        return self._sent(member, None)

    async def update_for(self, signal: Update | Resync) -> MemberUpdate | None:
        """The update to send for `signal`, or None (an older or repeated version)."""
        if isinstance(signal, Resync):
            # Events may be lost: the current view is sent again, as on connect.
            now = await finish_merges(self._context.ports, self.member_id)
            return self._sent(now, None)
        after = signal.member
        if after.id != self.member_id:  # merged away: hand over to the survivor
            assert self.watch is not None
            self.watch.retarget(after.all_ids)
            return self._sent(after, _merged(signal))
        if after.version > self.version:
            return self._sent(after, signal.event)
        return None

    def _sent(self, member: DomainMember, event: MemberChanged | None) -> MemberUpdate:
        self.member_id, self.version = member.id, member.version
        return _update(self._context, member, event)


_opened: ContextVar[list[MemberFollowing] | None] = ContextVar("opened", default=None)


def opened_followings() -> list[MemberFollowing]:
    """From now on in this context, each memberUpdated that opens (checked, snapshot
    taken, watching the feed) is added to the returned list."""
    opened: list[MemberFollowing] = []
    _opened.set(opened)
    return opened


def next_signal(watch: Watch) -> Update | Resync | None:
    """What is queued for a detached subscription, or None; Dropped once it fell behind."""
    try:
        return watch.take()
    except SlowConsumer as exc:
        raise Dropped(str(exc)) from None


def _merged(update: Update) -> MemberChanged:
    return replace(update.event, cause=EntryKind.MERGED)
