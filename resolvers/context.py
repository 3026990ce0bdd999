"""The per-request context: who is calling, the loyalty ports, and request-scoped loaders."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from domain.access import Action, Principal, Role
from domain.channel import Channel
from domain.commands import MemberRef
from domain.errors import InvalidInput, LoyaltyError, MemberNotFound
from domain.handlers.members import current, resolve
from domain.member import Member as DomainMember
from domain.messaging.profile_store import MemberMessaging
from domain.ports import HistoryPage, Ports
from domain.validation import optional_id
from domain.view import member_view
from schema.errors import BadRequest, Forbidden, Unauthenticated
from schema.member import Member
from schema.program import Program
from subscriptions.feed import MemberFeed
from workers.context import Messaging

MEMBER_CHANNELS = frozenset({Channel.APP, Channel.WEB})


class TesseraContext(BaseContext):
    def __init__(
        self,
        ports: Ports,
        program_type: Program,
        principal: Principal | None,
        auth_error: str | None,
        feed: MemberFeed,
        messaging: Messaging,
    ) -> None:
        super().__init__()
        self.ports = ports
        self.program_type = program_type
        self.feed = feed
        self.messaging = messaging
        self.connection_params: dict[str, object] | None = None  # set by graphql-transport-ws
        self._principal = principal
        self._auth_error = auth_error
        self.error_codes: list[str] = []  # payload errors answered, for the access log
        self._stock_loader: DataLoader[str, int | None] | None = None
        self._messaging_loader: DataLoader[str, MemberMessaging] | None = None

    @property
    def principal(self) -> Principal | None:
        """Who the verified token says is calling (None: no token, or a bad one)."""
        return self._principal

    def authenticate(self, principal: Principal) -> None:
        self._principal, self._auth_error = principal, None

    def fresh_loaders(self) -> None:
        """A WebSocket keeps one context for hours: each pushed update reads stock and
        messaging profiles anew."""
        self._stock_loader = self._messaging_loader = None

    # Made on first use: an idle WebSocket's context holds none (about 600 B each socket).
    @property
    def stock_loader(self) -> DataLoader[str, int | None]:
        if self._stock_loader is None:
            self._stock_loader = DataLoader(self._load_stock)
        return self._stock_loader

    @property
    def messaging_loader(self) -> DataLoader[str, MemberMessaging]:
        if self._messaging_loader is None:
            self._messaging_loader = self._new_messaging_loader()
        return self._messaging_loader

    def require(self, action: Action) -> Principal:
        """The caller, if it may do `action`; otherwise a top-level error."""
        if self._principal is None:
            raise Unauthenticated(self._auth_error or "a bearer token is required")
        if self._principal.expired(self.ports.clock.now()):
            raise Unauthenticated("the token has expired")
        if not self._principal.may(action):
            raise Forbidden(f"a {self._principal.role.value} token may not {action.value}")
        return self._principal

    def may_introspect(self) -> bool:
        """In production only admins read the schema (clients ship it at build time)."""
        principal = self._principal
        return (
            principal is not None
            and principal.role is Role.ADMIN
            and not principal.expired(self.ports.clock.now())
        )

    def store_for(self, principal: Principal, store_id: str | None) -> str | None:
        """A POS acts for its own store only; the store defaults to the token's. A store id
        given blank is refused (INVALID_INPUT), never booked as "no store"."""
        store_id = optional_id("storeId", store_id)
        if principal.role is not Role.POS:
            return store_id
        if store_id is not None and store_id != principal.store_id:
            raise Forbidden(f"this POS token is for store {principal.store_id}, not {store_id}")
        return principal.store_id

    def require_messages_view(self) -> None:
        """For fields nested in a member view that only staff may read."""
        self.require(Action.VIEW_MESSAGES)

    def check_channel(self, principal: Principal, channel: Channel) -> None:
        if principal.role is Role.MEMBER and channel not in MEMBER_CHANNELS:
            raise Forbidden("members act through the APP or WEB channel")

    async def check_own(self, principal: Principal, ref: MemberRef) -> None:
        """A member token reaches only its own member (not found reads as forbidden too)."""
        if principal.role is not Role.MEMBER:
            return
        try:
            member = await resolve(self.ports, ref)
        except LoyaltyError:
            raise Forbidden("a member token may act on its own member only") from None
        self.check_own_member(principal, member)

    def check_own_member(self, principal: Principal, member: DomainMember) -> None:
        if principal.role is Role.MEMBER and principal.member_id not in member.all_ids:
            raise Forbidden("a member token may act on its own member only")

    async def visible_member(self, ref: MemberRef, verb: str = "read") -> DomainMember | None:
        """The member a query or subscription names, as of now, if the caller may see it:
        None when there is none (staff), FORBIDDEN when a member token names another
        member or one that does not exist (so it cannot probe which ids exist)."""
        principal = self.require(Action.VIEW_MEMBER)
        try:
            member = await current(self.ports, ref)
        except InvalidInput as exc:
            raise BadRequest(exc.message, {"field": exc.field}) from None
        except MemberNotFound:
            if principal.role is Role.MEMBER:
                raise Forbidden(f"a member token may {verb} its own member only") from None
            return None
        self.check_own_member(principal, member)
        return member

    def view(self, member: DomainMember) -> Member:
        return Member.of(
            member_view(member, self.ports.program, self.ports.clock.now()),
            self.ports.program,
            member,
        )

    async def messaging_of(self, member_id: str) -> MemberMessaging:
        """The member's stored messaging profile, read once per request however many fields
        (messaging, engagement) ask for it."""
        return await self.messaging_loader.load(member_id)

    async def history(
        self, member_ids: Sequence[str], first: int, after: str | None
    ) -> HistoryPage:
        try:
            return await self.ports.ledger.history(member_ids, first, after)
        except InvalidInput as exc:
            raise BadRequest(exc.message, {"field": exc.field}) from None

    def _new_messaging_loader(self) -> DataLoader[str, MemberMessaging]:
        async def load(member_ids: list[str]) -> list[MemberMessaging]:
            profiles = self.messaging.profiles
            return list(await asyncio.gather(*(profiles.get(mid) for mid in member_ids)))

        return DataLoader(load)

    async def _load_stock(self, reward_ids: list[str]) -> list[int | None]:
        rewards = [r for r in self.ports.program.rewards if r.id in set(reward_ids)]
        available = await self.ports.stock.available(rewards)
        return [available.get(rid) for rid in reward_ids]


Info = strawberry.Info[TesseraContext, Any]
