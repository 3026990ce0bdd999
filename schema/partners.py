"""What partners get back: a member as the partner's field policy lets it see it, and a
member's link code. A field the policy does not list is an error, never data."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError

from domain.partner_view import PartnerView
from domain.partners import PartnerLink


class FieldNotAllowed(GraphQLError):
    """A selection beyond the partner's field policy (top-level, like any permission)."""

    def __init__(self, partner: str, field: str, allowed: frozenset[str]) -> None:
        shared = ", ".join(sorted(allowed)) or "none of the member's fields"
        super().__init__(
            f"{partner}'s field policy does not allow {field} (it allows {shared})",
            extensions={"code": "FIELD_NOT_ALLOWED", "field": field},
        )


@strawberry.type(
    description="A member as a partner sees it: its own link, and of the member only what "
    "the program's field policy for the partner allows (any other field is FIELD_NOT_ALLOWED)."
)
class PartnerMember:
    partner: str
    external_id: str
    linked_at: datetime
    view: strawberry.Private[PartnerView]

    @classmethod
    def of(cls, view: PartnerView) -> PartnerMember:
        return cls(
            partner=view.partner, external_id=view.external_id, linked_at=view.linked_at, view=view
        )

    def _allowed(self, field: str) -> PartnerView:
        if field not in self.view.allowed:
            raise FieldNotAllowed(self.view.partner, field, self.view.allowed)
        return self.view

    @strawberry.field(description="the member's name (policy field displayName)")
    def display_name(self) -> str | None:
        return self._allowed("displayName").display_name

    @strawberry.field(description="the member's tier code (policy field tier)")
    def tier(self) -> str | None:
        return self._allowed("tier").tier

    @strawberry.field(description="spendable points (policy field balance)")
    def balance(self) -> int | None:
        return self._allowed("balance").balance

    @strawberry.field(description="points held, not spendable yet (policy field pendingBalance)")
    def pending_balance(self) -> int | None:
        return self._allowed("pendingBalance").pending_balance

    @strawberry.field(description="when the member enrolled (policy field memberSince)")
    def member_since(self) -> datetime | None:
        return self._allowed("memberSince").member_since


@strawberry.type(description="A member's account at a partner, as the member sees it.")
class MemberPartnerLink:
    partner: str = strawberry.field(description="the partner's name in the program file")
    external_id: str = strawberry.field(description="the member's id at the partner")
    linked_at: datetime

    @classmethod
    def of(cls, link: PartnerLink) -> MemberPartnerLink:
        return cls(partner=link.partner, external_id=link.external_id, linked_at=link.linked_at)


@strawberry.type(
    description="A code the member hands to the partner (typed, or in a link) to consent to "
    "being linked there: single-use, for that partner only, valid until expiresAt; a new "
    "code for the same partner replaces it."
)
class PartnerLinkCode:
    partner: str
    link_code: str = strawberry.field(description="like ABCD-EFGH-JKMN; case, dashes, spaces aside")
    expires_at: datetime
